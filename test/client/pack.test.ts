// The client package as a site gets it: `npm pack` of client/, installed from the tarball into
// an empty project with no network (it has no dependencies to fetch), imported there by Node,
// type-checked there under `nodenext`, and run in a bare JavaScript context with no Node APIs
// (what a browser or an edge runtime offers).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Child processes run as in a site's project: without the test runner's `--import tsx`. */
const siteEnv = { ...process.env, NODE_OPTIONS: '' };
const pack = suite<{ dir: string; project: string; installed: string }>('client package from its tarball', {} as never);

pack.before((context) => {
  context.dir = mkdtempSync(path.join(os.tmpdir(), 'client-pack-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', context.dir], { cwd: path.join(root, 'client'), encoding: 'utf8', env: siteEnv }));
  const tarball = path.join(context.dir, packed[0].filename);
  context.project = path.join(context.dir, 'site');
  execFileSync('mkdir', ['-p', context.project]);
  writeFileSync(path.join(context.project, 'package.json'), JSON.stringify({ name: 'site', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: context.project, encoding: 'utf8', env: siteEnv });
  context.installed = path.join(context.project, 'node_modules/@edge-image-resizer/client');
});

pack.after(({ dir }) => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

pack('installs with nothing else: zero runtime dependencies, only dist/ and package.json', ({ project, installed }) => {
  const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
  assert.is(manifest.name, '@edge-image-resizer/client');
  assert.not.ok(manifest.dependencies || manifest.peerDependencies || manifest.optionalDependencies, 'no runtime dependencies');
  const lock = JSON.parse(readFileSync(path.join(project, 'package-lock.json'), 'utf8'));
  assert.equal(Object.keys(lock.packages).filter(Boolean), ['node_modules/@edge-image-resizer/client'], 'the lock holds the package alone');
});

pack('imports in Node from the installed package: both entries', ({ project }) => {
  writeFileSync(path.join(project, 'check.mjs'), `
import { imageUrl, srcset, sizes, placeholder, signUrl, fetchInfo } from '@edge-image-resizer/client';
import loader, { createLoader } from '@edge-image-resizer/client/next';
import { edgeConfig } from '@edge-image-resizer/client/config';
console.log(JSON.stringify({
  configured: imageUrl('https://cdn.example.com', 'a.jpg', { w: 900, f: 'webp', q: 70 }, { config: edgeConfig({ maxDimension: 800, quality: { webp: 70 } }) }),
  url: imageUrl('https://cdn.example.com/prod', 'photos/cat.jpg', { h: 150, w: 200, f: 'webp', q: 80 }),
  srcset: srcset('cat.jpg', { base: 'https://cdn.example.com/prod', widths: [320, 640] }),
  sizes: sizes([['(max-width: 700px)', '100vw']], '640px'),
  loader: loader({ src: 'photos/cat.jpg', width: 640, quality: 75 }),
  own: loader({ src: '/icon.png', width: 640, quality: 75 }),
  created: createLoader({ base: 'https://other.example.com/dev' })({ src: 'cat.jpg', width: 320 }),
  types: [typeof placeholder, typeof signUrl, typeof fetchInfo],
}));
`);
  const out = JSON.parse(execFileSync(process.execPath, ['check.mjs'], { cwd: project, encoding: 'utf8', env: { ...siteEnv, NEXT_PUBLIC_IMAGE_CDN: 'https://cdn.example.com/prod' } }));
  assert.equal(out, {
    configured: 'https://cdn.example.com/a.jpg?w=800&f=webp',
    url: 'https://cdn.example.com/prod/photos/cat.jpg?w=200&h=150&f=webp',
    srcset: 'https://cdn.example.com/prod/cat.jpg?w=320 320w, https://cdn.example.com/prod/cat.jpg?w=640 640w',
    sizes: '(max-width: 700px) 100vw, 640px',
    loader: 'https://cdn.example.com/prod/photos/cat.jpg?w=640&q=75',
    own: '/icon.png',
    created: 'https://other.example.com/dev/cat.jpg?w=320',
    types: ['function', 'function', 'function'],
  });
});

pack('its types check under nodenext in the site project', ({ project }) => {
  writeFileSync(path.join(project, 'site.ts'), `
import { imageUrl, type ImageParams } from '@edge-image-resizer/client';
import loader from '@edge-image-resizer/client/next';
const params: ImageParams = { w: 200, fit: 'contain', f: 'webp' };
export const url: string = imageUrl('https://cdn.example.com', 'a.jpg', params) + loader({ src: 'a.jpg', width: 10 });
// @ts-expect-error: fit has no such value
export const wrong: ImageParams = { fit: 'stretch' };
`);
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', '', 'site.ts'], { cwd: project, encoding: 'utf8', env: siteEnv });
  } catch (error) {
    assert.unreachable(`tsc: ${(error as { stdout?: string }).stdout}`);
  }
});

pack('runs with no Node APIs: a bare context with only the language, atob and btoa', async ({ project }) => {
  const bundled = await build({
    stdin: { contents: "import { imageUrl, placeholder } from '@edge-image-resizer/client'; import loader from '@edge-image-resizer/client/next'; globalThis.client = { imageUrl, placeholder, loader };", resolveDir: project },
    bundle: true, format: 'iife', platform: 'neutral', write: false, logLevel: 'silent',
  });
  const context = vm.createContext({ atob, btoa, process: { env: { NEXT_PUBLIC_IMAGE_CDN: 'https://cdn.example.com' } } });
  vm.runInContext(bundled.outputFiles[0].text, context);
  const client = (context as { client: { imageUrl: (...args: unknown[]) => string; placeholder: (info: { thumbhash: string }) => string; loader: (props: object) => string } }).client;
  assert.is(client.imageUrl('https://cdn.example.com', 'a b.jpg', { w: 10 }), 'https://cdn.example.com/a%20b.jpg?w=10');
  assert.match(client.placeholder({ thumbhash: '1QcSHQRnh493V4dIh4eXh1h4kJUI' }), /^data:image\/png;base64,/);
  assert.is(client.loader({ src: 'a.jpg', width: 64 }), 'https://cdn.example.com/a.jpg?w=64');
});

pack.run();
