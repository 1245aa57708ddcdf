import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { README, renderedReadme } from '../../scripts/readme-tables';

test('the README tables match the parameter table and the config schema (npm run readme)', () => {
  const readme = readFileSync(README, 'utf8');
  assert.fixture(renderedReadme(readme), readme);
});

test('the README opens with the two set-up commands', () => {
  const readme = readFileSync(README, 'utf8');
  const firstBlock = readme.slice(readme.indexOf('```sh'), readme.indexOf('```', readme.indexOf('```sh') + 5));
  assert.match(firstBlock, /npm ci && npm start/);
  assert.match(firstBlock, /npm test/);
});

test.run();
