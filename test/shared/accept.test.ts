import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acceptsExplicitly } from '../../shared/accept';
import { acceptCases } from '../helpers/fixtures';

for (const c of acceptCases()) {
  test(`Accept: ${JSON.stringify(c.accept)}`, () => {
    assert.is(acceptsExplicitly(c.accept, 'image/webp'), c.webp, 'webp');
    assert.is(acceptsExplicitly(c.accept, 'image/avif'), c.avif, 'avif');
  });
}

test('a missing Accept accepts neither', () => {
  assert.is(acceptsExplicitly(undefined, 'image/webp'), false);
});

test.run();
