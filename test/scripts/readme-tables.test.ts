import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RENDERED_SECTIONS, renderedPage } from '../../scripts/readme-tables';

for (const file of new Set(RENDERED_SECTIONS.map((section) => section.file))) {
  test(`docs/${path.basename(file)}: its tables match the parameter table and the config schema (npm run readme)`, () => {
    const page = readFileSync(file, 'utf8');
    assert.fixture(renderedPage(file, page), page);
  });
}

test.run();
