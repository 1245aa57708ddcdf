// The normalizer build keeps only the code of the features its config turns on
// (shared/features.ts), so the CloudFront Function stays under its 10 KB: checked on the
// built bundles, by the one-line answers each feature's code carries.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
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

test('signing with allowlists does not fit the CloudFront Function: the build says so in one line', async () => {
  try {
    await built({ ...PRESETS, signing: { enabled: true }, deploy: { normalizer: 'cloudfront-function' } });
    assert.unreachable('the build should refuse it');
  } catch (error) {
    assert.match((error as Error).message, /^dist\/normalize-cff\/index\.js is \d+ bytes, over its 10240-byte limit$/);
  }
});

test('signing with allowlists builds for the Lambda@Edge normalizer, and the local edge refuses the over-limit script', async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'features-'));
  try {
    await buildNormalizers(configWith({ ...PRESETS, signing: { enabled: true }, deploy: { normalizer: 'lambda-edge' } }), KEYS, out);
    const lambda = readFileSync(path.join(out, 'normalize/index.js'), 'utf8');
    assert.ok(lambda.includes('signature_missing') && lambda.includes('presets_only'), 'the Lambda@Edge build carries both features');
    const cffFile = path.join(out, 'normalize-cff/index.js');
    assert.ok(statSync(cffFile).size > CLOUDFRONT_FUNCTION_MAX_BYTES, 'this combination is over the CloudFront Functions limit');
    assert.throws(() => loadCloudFrontFunctionFile(cffFile), /over the 10240-byte CloudFront Functions limit/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
