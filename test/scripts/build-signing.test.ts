// Which keys npm run build bakes into the Lambda@Edge normalizer.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lambdaSigningKeys } from '../../scripts/build';
import { configWith } from '../helpers/config';

const dir = mkdtempSync(path.join(tmpdir(), 'build-signing-'));
const KEY = randomBytes(32).toString('base64url');
writeFileSync(path.join(dir, 'keys.txt'), KEY + '\n');
const withFile = { SIGNING_KEYS_FILE: path.join(dir, 'keys.txt') };

test('signing off: no keys in the bundle, even with SIGNING_KEYS_FILE set', () => {
  assert.equal(lambdaSigningKeys(configWith({}), withFile), []);
});

test('signing on: the keys of SIGNING_KEYS_FILE', () => {
  assert.equal(lambdaSigningKeys(configWith({ signing: { enabled: true } }), withFile), [KEY]);
});

test('signing on without SIGNING_KEYS_FILE: an error for a Lambda@Edge deploy, no keys when the CloudFront Function (KeyValueStore) deploys', () => {
  assert.throws(() => lambdaSigningKeys(configWith({ signing: { enabled: true }, deploy: { normalizer: 'lambda-edge' } }), {}), /set SIGNING_KEYS_FILE=<path>/);
  assert.equal(lambdaSigningKeys(configWith({ signing: { enabled: true }, deploy: { normalizer: 'cloudfront-function' } }), {}), []);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
