// The normalizer build keeps only the code of the features its config turns on
// (shared/features.ts), so the CloudFront Function stays under its 10 KB: checked on the
// built bundles, by the one-line answers each feature's code carries.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildNormalizers, checkBundleSize } from '../../scripts/build';
import { loadCloudFrontFunctionFile } from '../../infra/local/functions';
import { CLOUDFRONT_FUNCTION_MAX_BYTES } from '../../shared/limits';
import { configWith } from '../helpers/config';

const PRESETS = { widths: [64, 640], qualities: [50, 90], presets: { card: 'w=400&h=300&fit=cover' }, presetsOnly: true };
const KEYS = ['k'.repeat(40)];

/**
 * Every normalizer feature at once (issue 14 item 7, issue 17): the canonical path (always), signing with
 * originals (expiry, key rotation and ws ranges are always in its code), widths, qualities, densities,
 * presets, presetsOnly, allowedParams and watermarks (their names), with lists and presets of a
 * real site's size. Every parameter row (issue 17's edits included) is in every build.
 */
/**
 * Issue 14 item 7's targets: at most 6,500 bytes for the default config and 8,700 with every
 * feature. Not met yet (docs/performance.md, "Normalizer"): until they are, the test holds the
 * script to what it measures now, so no change grows it unnoticed; each later win lowers these.
 */
const ISSUE_TARGETS = { defaults: 6500, every: 8700 };
// Measured with issue 17's rows and ws (default 7,160, every feature 10,043 on 2026-12-02 18:00 UTC).
const CEILINGS = { defaults: 7200, every: 10060 };

const EVERY_FEATURE = {
  signing: { enabled: true, originals: true },
  widths: [64, 128, 256, 640, 1080, 1920], qualities: [40, 60, 75, 90], densities: [1, 2, 3],
  presets: { card: 'w=400&h=300&fit=cover', hero: 'w=1920&q=75&f=auto' }, presetsOnly: true,
  allowedParams: ['w', 'h', 'f', 'q', 'fit', 'dpr', 'p'],
  watermarks: { logo: { key: 'dev/logo.png', gravity: 'bottom-right', width: 0.2 } },
};

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
      assert.is(source.includes('sig is missing'), has.signing, `${name}: signing code`);
      assert.is(source.includes('presets_only'), has.allowlists, `${name}: presetsOnly code`);
      assert.not.ok(source.includes('NORMALIZER_FEATURES'), `${name}: the flags are constants in the build`);
    }
    assert.is(cff.includes(JSON.stringify(PRESETS.presets.card)), has.allowlists, `${name}: the allowlist config keys are baked (and read) only when used`);
    assert.ok(bytes <= CLOUDFRONT_FUNCTION_MAX_BYTES, `${name}: ${bytes} bytes`);
  }
});

test('the watermark names (only their names) are baked, with the allowlists code, only when the config has watermarks', async () => {
  const plain = await built({});
  const marked = await built({ watermarks: { logo: { key: 'dev/logo.png' } } });
  for (const { cff, lambda } of [plain, marked]) assert.not.ok(cff.includes('dev/logo.png') || lambda.includes('dev/logo.png'), 'only the names are baked into the normalizers');
  assert.not.ok(plain.cff.includes('"logo"'));
  assert.ok(marked.cff.includes('logo'));
  assert.ok(marked.bytes <= CLOUDFRONT_FUNCTION_MAX_BYTES, `${marked.bytes} bytes`);
});

test('the build holds the CloudFront Function to its 10 KB where the stack deploys it: over it, one line naming both', async () => {
  const cffBuild = await built({ ...EVERY_FEATURE, deploy: { normalizer: 'cloudfront-function' } });
  assert.ok(cffBuild.cff.includes('sig is missing') && cffBuild.cff.includes('presets_only'), 'the script carries both features');
  assert.ok(cffBuild.bytes <= CLOUDFRONT_FUNCTION_MAX_BYTES, `built at ${cffBuild.bytes} bytes`);
  const lambdaBuild = await built({ ...EVERY_FEATURE, deploy: { normalizer: 'lambda-edge' } });
  assert.is(cffBuild.bytes, lambdaBuild.bytes, 'the deploy setting changes nothing in the script');
  // Over the limit (checkBundleSize is what buildNormalizers calls for each deployed bundle).
  assert.throws(() => checkBundleSize('normalize-cff/index.js', CLOUDFRONT_FUNCTION_MAX_BYTES + 1), /^dist\/normalize-cff\/index\.js is 10241 bytes, over its 10240-byte limit$/);
  checkBundleSize('normalize-cff/index.js', CLOUDFRONT_FUNCTION_MAX_BYTES);
});

test(`issue 14 item 7: the CloudFront Functions script of the default config and of every feature at once stays within ${CEILINGS.defaults} and ${CEILINGS.every} bytes (targets ${ISSUE_TARGETS.defaults} and ${ISSUE_TARGETS.every}, not met yet)`, async () => {
  const defaults = await built({ deploy: { normalizer: 'cloudfront-function' } });
  const every = await built({ ...EVERY_FEATURE, deploy: { normalizer: 'cloudfront-function' } });
  assert.ok(every.cff.includes('the URL expired at') && every.cff.includes('param_not_allowed') && every.cff.includes('presets_only'), 'every feature is in the script');
  assert.ok(defaults.bytes <= Math.min(CEILINGS.defaults, CLOUDFRONT_FUNCTION_MAX_BYTES), `default config: ${defaults.bytes} bytes`);
  assert.ok(every.bytes <= Math.min(CEILINGS.every, CLOUDFRONT_FUNCTION_MAX_BYTES), `every feature: ${every.bytes} bytes`);
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
