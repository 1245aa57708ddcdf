// The construct's normalizer templates, filled with a config at synth, answer every request as
// the normalizers `npm run build` bakes with that config: both runtimes, with and without
// allowlists and signing, on the canonical fixtures' requests and refusals and on signed URLs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ASSETS_DIR } from '../../../infra/cdk/assets-dir';
import { CONFIG_PLACEHOLDER, fillTemplateDir, normalizerBakedConfig, normalizerFeatures, normalizerTemplate, SIGNING_KEYS_PLACEHOLDER } from '../../../infra/cdk/bundles';
import { buildNormalizers } from '../../../scripts/build';
import { parseConfig } from '../../../shared/config';
import { KEY_VALUE_STORE_KEY, signUrl } from '../../../shared/signing';
import { distinctRequests, rejectedCases } from '../../helpers/fixtures';
import { lambdaRuntime, normalizerRuntimes, type Normalize } from '../../helpers/normalizers';

const KEY = 'a-signing-key-of-at-least-32-characters';

const CONFIGS: Record<string, object> = {
  defaults: {},
  // A watermark named like a shortened property: its name is data, never renamed.
  'widths, qualities, presets and watermarks': { widths: [320, 640, 1024], qualities: [50, 75], presets: { card: 'w=400&h=300&fit=cover' }, watermarks: { logo: { key: 'dev/logo.png' }, kind: { key: 'dev/logo.png' } }, maxDimension: 2048, quality: { webp: 70 } },
  'signing (both runtimes)': { signing: { enabled: true } },
  'signing with allowlists, Lambda@Edge normalizer': { signing: { enabled: true }, widths: [100, 200], deploy: { normalizer: 'lambda-edge' } },
};

/** The queries every pair is asked: the canonical fixtures' distinct requests and refusals, and signed ones. */
function queries(): Array<{ query: string; accept?: string; uri?: string }> {
  const signed = ['/dev/photo.jpg?w=200&f=webp', '/dev/photo.jpg?w=640&q=75', '/dev/photo.jpg?p=card'].map((url) => {
    const signedUrl = signUrl(url, KEY);
    const at = signedUrl.indexOf('?');
    return { uri: signedUrl.slice(0, at), query: signedUrl.slice(at + 1) };
  });
  return [
    ...distinctRequests().map(({ query, accept }) => ({ query, accept })),
    ...rejectedCases().map(({ query }) => ({ query })),
    ...signed, { query: 'w=200&sig=AAAA', uri: '/dev/photo.jpg' }, { query: 'p=card&dpr=2' }, { query: 'w=10&wm=kind' }, { query: 'w=10&wm=nope' },
  ];
}

for (const [name, raw] of Object.entries(CONFIGS)) {
  test(`filled templates answer as built bundles: ${name}`, async () => {
    const config = parseConfig(raw);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'templates-'));
    try {
      const built = path.join(dir, 'built');
      const filled = path.join(dir, 'filled');
      await buildNormalizers(config, config.signing.enabled ? [KEY] : [], built);
      const features = normalizerFeatures(config);
      const baked = normalizerBakedConfig(config);
      for (const [kind, out] of [['normalize', 'normalize'], ['normalize-cff', 'normalize-cff']] as const) {
        const values: Record<string, unknown> = { [CONFIG_PLACEHOLDER]: baked };
        if (kind === 'normalize' && features.signing) values[SIGNING_KEYS_PLACEHOLDER] = [KEY];
        mkdirSync(path.join(filled, out), { recursive: true });
        writeFileSync(path.join(filled, out, 'index.js'), fillTemplateDir(path.join(ASSETS_DIR, normalizerTemplate(kind, features)), values));
        writeFileSync(path.join(filled, out, 'package.json'), JSON.stringify({ type: kind === 'normalize' ? 'commonjs' : 'module' }));
      }
      const store = { [KEY_VALUE_STORE_KEY]: KEY };
      // With the Lambda@Edge normalizer the CloudFront Functions script may be over its 10 KB and is never deployed.
      const runtimes = (dir: string): Array<[string, Normalize]> => (config.deploy.normalizer === 'lambda-edge' ? [['lambda@edge', lambdaRuntime(dir)]] : normalizerRuntimes(dir, store));
      const expected = runtimes(built);
      const actual = runtimes(filled);
      let compared = 0;
      for (let i = 0; i < expected.length; i++) {
        const [runtime, want] = expected[i];
        const got = actual[i][1];
        for (const { query, accept, uri } of queries()) {
          assert.equal(await got(query, accept, uri), await want(query, accept, uri), `${runtime} ${uri ?? ''}?${query}`);
          compared++;
        }
      }
      assert.ok(compared > 50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
