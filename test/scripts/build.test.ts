// The build's three outputs, checked the way Lambda and CloudFront will load them.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { distDir } from '../helpers/bundles';

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
  assert.match(source, /\nasync function handler\(event\) \{/);
  assert.equal(source.match(/\bimport\b[^;]*;/g), ["import cfCrypto from 'crypto';", "import cf from 'cloudfront';"]);
  assert.ok(source.startsWith("import cfCrypto from 'crypto';\nimport cf from 'cloudfront';\n"));
  assert.not.match(source, /\b(require|exports|module)\b|\bimport\(/);
});

test('the config is baked into the edge bundles, not read at run time', () => {
  for (const file of ['normalize/index.js', 'normalize-cff/index.js', 'resize/index.js']) {
    const source = readFileSync(path.join(distDir, file), 'utf8');
    assert.match(source, /maxDimension:4096|maxDimension: 4096/, file);
    assert.not.match(source, /resizer\.config\.json/, file);
  }
});

test.run();
