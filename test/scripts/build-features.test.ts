// The normalizer build keeps only the code of the features its config turns on
// (shared/features.ts), so the CloudFront Function stays under its 10 KB: checked on the
// built bundles, by the one-line answers each feature's code carries.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildNormalizers } from '../../scripts/build';
import { loadCloudFrontFunctionFile } from '../../infra/local/functions';
import { CLOUDFRONT_FUNCTION_MAX_BYTES } from '../../shared/limits';
import { configWith } from '../helpers/config';

const PRESETS = { widths: [64, 640], qualities: [50, 90], presets: { card: 'w=400&h=300&fit=cover' }, presetsOnly: true };
const KEYS = ['k'.repeat(40)];

async function built(overrides: Record<string, unknown>): Promise<{ cff: string; lambda: string; bytes: number }> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'features-'));
  try {
    await buildNormalizers(configWith(overrides), KEYS, out);
    const cffFile = path.join(out, 'normalize-cff/index.js');
    return { cff: readFileSync(cffFile, 'utf8'), lambda: readFileSync(path.join(out, 'normalize/index.js'), 'utf8'), bytes: statSync(cffFile).size };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

test('each build carries the code of its config\'s features and not the others\'', async () => {
  const cases: Array<[string, Record<string, unknown>, { signing: boolean; allowlists: boolean }]> = [
    ['default', {}, { signing: false, allowlists: false }],
    ['signing', { signing: { enabled: true } }, { signing: true, allowlists: false }],
    ['allowlists', PRESETS, { signing: false, allowlists: true }],
  ];
  for (const [name, overrides, has] of cases) {
    const { cff, lambda, bytes } = await built(overrides);
    for (const source of [cff, lambda]) {
      assert.is(source.includes('signature_missing'), has.signing, `${name}: signing code`);
      assert.is(source.includes('presets_only'), has.allowlists, `${name}: presetsOnly code`);
      assert.not.ok(source.includes('NORMALIZER_FEATURES'), `${name}: the flags are constants in the build`);
    }
    assert.is(cff.includes(JSON.stringify(PRESETS.presets.card)), has.allowlists, `${name}: the allowlist config keys are baked (and read) only when used`);
    assert.ok(bytes <= CLOUDFRONT_FUNCTION_MAX_BYTES, `${name}: ${bytes} bytes`);
  }
});

test('the build holds the CloudFront Function to its 10 KB where the stack deploys it: over it, one line naming both', async () => {
  // Every feature on main at once. Whether it fits moves with the code (it does since the
  // terser pass and the compactions of this issue); either way the guard must answer rightly.
  const all = { ...PRESETS, signing: { enabled: true, originals: true } };
  const lambdaBuild = await built({ ...all, deploy: { normalizer: 'lambda-edge' } });
  assert.ok(lambdaBuild.lambda.includes('signature_missing') && lambdaBuild.lambda.includes('presets_only'), 'the build carries both features');
  try {
    const cffBuild = await built({ ...all, deploy: { normalizer: 'cloudfront-function' } });
    assert.ok(cffBuild.bytes <= CLOUDFRONT_FUNCTION_MAX_BYTES, `built at ${cffBuild.bytes} bytes`);
    assert.is(cffBuild.bytes, lambdaBuild.bytes, 'the deploy setting changes nothing in the script');
  } catch (error) {
    assert.ok(lambdaBuild.bytes > CLOUDFRONT_FUNCTION_MAX_BYTES, `refused at ${lambdaBuild.bytes} bytes: ${(error as Error).message}`);
    assert.match((error as Error).message, /^dist\/normalize-cff\/index\.js is \d+ bytes, over its 10240-byte limit$/);
  }
});

test('the local edge refuses a CloudFront Functions script over 10 KB, as CloudFront refuses to create it', async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'features-'));
  try {
    await buildNormalizers(configWith({}), KEYS, out);
    const cffFile = path.join(out, 'normalize-cff/index.js');
    loadCloudFrontFunctionFile(cffFile);
    // The built script with a comment that takes it one byte over the limit.
    writeFileSync(cffFile, readFileSync(cffFile, 'utf8') + '//'.padEnd(CLOUDFRONT_FUNCTION_MAX_BYTES + 1 - statSync(cffFile).size, 'x'));
    assert.is(statSync(cffFile).size, CLOUDFRONT_FUNCTION_MAX_BYTES + 1);
    assert.throws(() => loadCloudFrontFunctionFile(cffFile), /over the 10240-byte CloudFront Functions limit/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
