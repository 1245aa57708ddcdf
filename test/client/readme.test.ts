// Every snippet of docs/client.md ("Use it from your site"), run: the HTML's URLs are the client's
// and are served; the code's printed results are the ones its comments state; the React
// component renders img tags whose every URL the local edge serves at the width it names; the
// info endpoint answers what the page shows. (The Next.js snippets run as a real app in
// test/client/next-app.test.ts.) The test swaps
// https://images.example.com for the local edge's URL. Also: the package size the page states.
import { Validator } from '@cfworker/json-schema';
import { transform } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { imageUrl, sizes, srcset } from '../../client/src/index';
import { projectConfig } from '../../shared/config-file';
import { clientSize } from '../../scripts/build-client';
import { startSampleEdge, type SampleEdge } from '../helpers/edge';
import { fixture } from '../helpers/fixtures';

// React without @types/react: the two functions the test calls.
const require = createRequire(import.meta.url);
const { createElement } = require('react') as { createElement: (type: unknown, props: object) => unknown };
const { renderToStaticMarkup } = require('react-dom/server') as { renderToStaticMarkup: (element: unknown) => string };

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLIENT_DOC = readFileSync(path.join(root, 'docs/client.md'), 'utf8');
const CDN = 'https://images.example.com';
/** Where the snippets run: a folder whose node_modules holds the client package (and, above it, the repo's react and next). */
const work = path.join(root, 'test-output/readme-snippets');

function snippet(name: string): string {
  const match = new RegExp(`<!-- snippet:${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(CLIENT_DOC);
  if (!match) throw new Error(`docs/client.md has no snippet ${name}`);
  return match[1];
}

const consoleLog = console.log;
const readme = suite<{ sample: SampleEdge; local: (text: string) => string }>('docs/client.md: use it from your site', {} as never);

readme.before(async (context) => {
  console.log = () => undefined;
  context.sample = await startSampleEdge();
  context.local = (text) => text.split(CDN).join(context.sample.url);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(path.join(work, 'node_modules/@edge-image-resizer'), { recursive: true });
  symlinkSync(path.join(root, 'client'), path.join(work, 'node_modules/@edge-image-resizer/client'));
  writeFileSync(path.join(work, 'package.json'), JSON.stringify({ type: 'module', private: true }));
});

readme.after(async ({ sample }) => {
  await sample?.close();
  console.log = consoleLog;
});

async function assertServed(url: string, width: number, height?: number): Promise<void> {
  const response = await fetch(url, { headers: { accept: 'image/avif,image/webp,*/*' } });
  const body = Buffer.from(await response.arrayBuffer());
  assert.is(response.status, 200, `${url}: ${body.toString().slice(0, 200)}`);
  const meta = await sharp(body).metadata();
  assert.is(meta.width, width, `${url} width`);
  if (height !== undefined) assert.is(meta.height, height, `${url} height`);
}

function attribute(html: string, name: string): string {
  const match = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(html);
  if (!match) throw new Error(`no ${name} in ${html}`);
  return match[1].replace(/&amp;/g, '&').replace(/&quot;/g, '"');
}

async function assertSrcsetServed(value: string): Promise<void> {
  for (const candidate of value.split(', ')) {
    const [url, descriptor] = candidate.split(' ');
    await assertServed(url, Number(descriptor.replace(/w$/, '')));
  }
}

/** JSX to an ES module in the snippets folder; returns its URL. */
async function jsxModule(name: string, source: string): Promise<string> {
  const { code } = await transform(source, { loader: 'jsx', jsx: 'automatic', format: 'esm' });
  const file = path.join(work, `${name}.mjs`);
  writeFileSync(file, code);
  return pathToFileURL(file).href;
}

readme('plain HTML: the URLs are the client\'s own, and served at their sizes', async ({ local }) => {
  const html = snippet('html');
  assert.is(attribute(html, 'src'), imageUrl(CDN, 'dev/photo.jpg', { w: 640 }));
  assert.is(attribute(html, 'srcset'), srcset('dev/photo.jpg', { base: CDN, widths: [320, 640, 960] }));
  assert.is(attribute(html, 'sizes'), sizes([['(max-width: 700px)', '100vw']], '640px'));
  await assertServed(local(attribute(html, 'src')), 640, Number(attribute(html, 'height')));
  await assertSrcsetServed(local(attribute(html, 'srcset')));
});

readme('the URLs snippet prints what its comments say', () => {
  const code = snippet('urls');
  writeFileSync(path.join(work, 'urls.mjs'), code);
  const printed = execFileSync(process.execPath, ['urls.mjs'], { cwd: work, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }).trimEnd().split('\n');
  const stated = code.split('\n').filter((line) => line.startsWith('// → ')).map((line) => line.slice(5));
  assert.ok(stated.length >= 5);
  assert.equal(printed, stated);
});

readme('React: the component renders an img whose every URL is served', async ({ local }) => {
  const { Photo } = await import(await jsxModule('react-photo', local(snippet('react'))));
  const html = renderToStaticMarkup(createElement(Photo, { path: 'dev/photo.jpg', alt: 'A lake', width: 320, height: 213 }));
  assert.is(attribute(html, 'src'), imageUrl(local(CDN), 'dev/photo.jpg', { w: 320 }));
  assert.is(attribute(html, 'sizes'), '320px');
  await assertServed(attribute(html, 'src'), 320, 213);
  await assertSrcsetServed(attribute(html, 'srcset'));
});

readme('the info endpoint answers exactly what docs/client.md shows, and it matches the schema', async ({ local }) => {
  const url = /curl '([^']+)'/.exec(snippet('info-request'))![1];
  const response = await fetch(local(url));
  assert.is(response.status, 200);
  const body = await response.json();
  assert.equal(body, JSON.parse(snippet('info-response')));
  assert.ok(new Validator(fixture('info/schema.json'), '2020-12').validate(body).valid);
});

readme('the package sizes docs/client.md states are the measured ones', async () => {
  const sizes = await clientSize(projectConfig().config);
  for (const kind of ['usual', 'whole'] as const) {
    const match = new RegExp(`<!-- client-size:${kind} -->([\\d.]+) KB, ([\\d.]+) KB gzipped<!-- /client-size -->`).exec(CLIENT_DOC);
    assert.ok(match, `docs/client.md states the ${kind} size`);
    const measured = sizes[kind];
    assert.ok(Math.abs(Number(match![1]) * 1024 - measured.minified) < 1536, `${kind}: docs/client.md says ${match![1]} KB minified, measured ${(measured.minified / 1024).toFixed(1)} KB`);
    assert.ok(Math.abs(Number(match![2]) * 1024 - measured.gzipped) < 768, `${kind}: docs/client.md says ${match![2]} KB gzipped, measured ${(measured.gzipped / 1024).toFixed(1)} KB`);
  }
});

readme.run();
