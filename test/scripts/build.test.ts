// The build's three outputs, checked the way Lambda and CloudFront will load them.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildNormalizers } from '../../scripts/build';
import { loadCloudFrontFunction } from '../../infra/local/functions';
import { bakedConfig } from '../../shared/baked-config';
import { distDir } from '../helpers/bundles';
import { configWith } from '../helpers/config';
import { normalizerRuntimes } from '../helpers/normalizers';

test('dist/resize runs on its own: copied out of the repo, it loads sharp from its own node_modules', () => {
  const lambdaRoot = mkdtempSync(path.join(os.tmpdir(), 'lambda-task-'));
  try {
    cpSync(path.join(distDir, 'resize'), lambdaRoot, { recursive: true });
    const script = `const m = require('./index.js'); const sharp = require('sharp');
      console.log(JSON.stringify({ handler: typeof m.handler, vips: sharp.versions.vips, from: require.resolve('sharp') }));`;
    const result = spawnSync(process.execPath, ['-e', script], { cwd: lambdaRoot, encoding: 'utf8', env: { PATH: process.env.PATH } });
    assert.is(result.status, 0, result.stderr);
    const loaded = JSON.parse(result.stdout.trim().split('\n').pop()!);
    assert.is(loaded.handler, 'function');
    assert.ok(loaded.vips);
    assert.ok(loaded.from.startsWith(lambdaRoot), loaded.from);
    assert.ok(existsSync(path.join(lambdaRoot, 'node_modules/@img/sharp-libvips-linux-x64')), 'libvips for linux-x64 glibc');
  } finally {
    rmSync(lambdaRoot, { recursive: true, force: true });
  }
});

test('dist/normalize is CommonJS exporting handler, requiring nothing but node:crypto (for the HMAC of signed URLs)', () => {
  const source = readFileSync(path.join(distDir, 'normalize/index.js'), 'utf8');
  assert.equal(source.match(/require\([^)]*\)/g), ['require("node:crypto")']);
  assert.equal(JSON.parse(readFileSync(path.join(distDir, 'normalize/package.json'), 'utf8')), { type: 'commonjs' });
});

test('dist/normalize-cff declares a top-level async handler and imports only the runtime\'s crypto and cloudfront modules, first', () => {
  const source = readFileSync(path.join(distDir, 'normalize-cff/index.js'), 'utf8');
  // terser writes it minified, after the code: a function declaration at the script's top level (an IIFE's would not be the runtime's `handler`).
  assert.match(source, /[;}\n]async function handler\(\w+\)\{/);
  assert.is(typeof (loadCloudFrontFunction(source).context as { handler?: unknown }).handler, 'function');
  assert.equal(source.match(/\bimport\b[^;]*;/g), ["import cfCrypto from 'crypto';", "import cf from 'cloudfront';"]);
  assert.ok(source.startsWith("import cfCrypto from 'crypto';\nimport cf from 'cloudfront';\n"));
  assert.not.match(source, /\b(require|exports|module)\b|\bimport\(/);
});

test('the config is baked into the edge bundles, not read at run time', () => {
  for (const file of ['normalize/index.js', 'normalize-cff/index.js', 'resize/index.js']) {
    const source = readFileSync(path.join(distDir, file), 'utf8');
    // The normalizers shorten the config's key names (INTERNAL_PROPERTIES); the value is there.
    assert.match(source, file === 'resize/index.js' ? /maxDimension: ?4096/ : /[{,][\w$]+:4096[,}]/, file);
    assert.not.match(source, /resizer\.config\.json/, file);
  }
});

test('the normalizers bake the config they are built with, and only the keys they read', async () => {
  // Every value differs from the shipped file, so a bundle that baked anything else fails.
  const config = configWith({
    maxDimension: 1234, formats: { outputs: ['jpeg', 'png', 'avif'], autoAvif: true }, quality: { jpeg: 61 },
    cacheControl: 'max-age=7, baked-marker', deploy: { stackName: 'BakedMarkerStack' },
  });
  assert.is.not(config.maxDimension, bakedConfig.maxDimension);
  const out = mkdtempSync(path.join(os.tmpdir(), 'normalizers-'));
  try {
    await buildNormalizers(config, [], out);
    for (const [runtime, normalize] of normalizerRuntimes(out)) {
      const query = async (q: string, accept?: string) => {
        const answer = await normalize(q, accept);
        return 'query' in answer ? answer.query : `${answer.status} ${answer.body.trim()}`;
      };
      assert.is(await query('w=99999&f=jpeg'), 'w=1234&f=jpeg', `${runtime}: maxDimension`);
      assert.is(await query('w=10&f=jpeg&q=61'), 'w=10&f=jpeg', `${runtime}: quality.jpeg folds`);
      assert.is(await query('w=10&f=jpeg&q=80'), 'w=10&f=jpeg&q=80', `${runtime}: the shipped default is not this build's`);
      assert.is(await query('w=10', 'image/avif,image/webp'), 'w=10&f=avif', `${runtime}: formats.autoAvif`);
      assert.is(await query('w=10&f=webp'), '400 f must be one of jpeg, png, avif, json, source, auto, got "webp"', `${runtime}: formats.outputs`);
    }
    for (const file of ['normalize/index.js', 'normalize-cff/index.js']) {
      const source = readFileSync(path.join(out, file), 'utf8');
      // `behaviors` is read: the normalizer guards every behaviour (functions/normalize/behaviors.ts).
      for (const marker of ['BakedMarkerStack', 'baked-marker', 'allowedOrigins', 'maxInputPixels', 'resizeMemoryMb']) {
        assert.not.ok(source.includes(marker), `${file} carries ${marker}, which the normalizer does not read`);
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
