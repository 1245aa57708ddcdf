// Signing from the client package, round trip against both normalizer builds built with
// signing on (the CloudFront Function with its keys in the emulated KeyValueStore, the
// Lambda@Edge bundle with them baked in): imageUrl + signUrl, the Next.js loader with keys,
// and docs/client.md's server-side snippet. The client re-exports shared/signing.ts's signUrl.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { imageUrl, signUrl } from '../../client/src/index';
import { createLoader } from '../../client/src/next';
import { buildNormalizers } from '../../scripts/build';
import { KEY_VALUE_STORE_KEY, signUrl as sharedSignUrl } from '../../shared/signing';
import { configWith } from '../helpers/config';
import { normalizerRuntimes, type Normalize } from '../helpers/normalizers';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEYS = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')];
const CDN = 'https://images.example.com';
const CLIENT_DOC = readFileSync(path.join(root, 'docs/client.md'), 'utf8');

const signing = suite<{ dir: string; runtimes: Array<[string, Normalize]> }>('client signing against both normalizers', {} as never);

signing.before(async (context) => {
  context.dir = mkdtempSync(path.join(tmpdir(), 'client-signing-'));
  await buildNormalizers(configWith({ signing: { enabled: true } }), KEYS, context.dir);
  context.runtimes = normalizerRuntimes(context.dir, { [KEY_VALUE_STORE_KEY]: KEYS.join('\n') });
});

signing.after(({ dir }) => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function split(url: string): { uri: string; query: string } {
  const { pathname, search } = new URL(url);
  return { uri: pathname, query: search.slice(1) };
}

signing('the client\'s signUrl is shared/signing.ts\'s, not a second implementation', () => {
  assert.is(signUrl, sharedSignUrl);
});

signing('imageUrl + signUrl (with exp) pass both builds and give the canonical query; unsigned and tampered URLs do not', async ({ runtimes }) => {
  const expires = Math.floor(Date.now() / 1000) + 600;
  const url = signUrl(imageUrl(CDN, 'dev/서울 야경.jpg', { h: 100, w: 200, f: 'webp', q: 70 }), KEYS[1], { expires });
  for (const [runtime, normalize] of runtimes) {
    const { uri, query } = split(url);
    assert.equal(await normalize(query, 'image/webp', uri), { query: 'w=200&h=100&f=webp&q=70' }, `${runtime}: ${url}`);
    const unsigned = split(imageUrl(CDN, 'dev/photo.jpg', { w: 200 }));
    assert.is((await normalize(unsigned.query, undefined, unsigned.uri) as { status: number }).status, 403, runtime);
    const tampered = split(url.replace('w=200', 'w=201'));
    assert.is((await normalize(tampered.query, undefined, tampered.uri) as { status: number }).status, 403, runtime);
  }
});

signing('the Next.js loader with keys signs every URL it makes', async ({ runtimes }) => {
  const loader = createLoader({ base: CDN, keys: KEYS });
  for (const width of [640, 1080]) {
    const { uri, query } = split(loader({ src: 'dev/photo.jpg', width, quality: 75 }));
    assert.match(query, /&sig=[A-Za-z0-9_-]{43}$/);
    for (const [runtime, normalize] of runtimes) {
      assert.equal(await normalize(query, 'image/jpeg', uri), { query: `w=${width}&f=source&q=75` }, runtime);
    }
  }
});

signing('docs/client.md\'s signing snippet makes URLs both builds accept', async ({ runtimes }) => {
  const code = /<!-- snippet:signing -->\n```js\n([\s\S]*?)```/.exec(CLIENT_DOC)![1];
  const work = path.join(root, 'test-output/readme-signing');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(path.join(work, 'node_modules/@edge-image-resizer'), { recursive: true });
  symlinkSync(path.join(root, 'client'), path.join(work, 'node_modules/@edge-image-resizer/client'));
  writeFileSync(path.join(work, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(path.join(work, 'signing.mjs'), code + '\nconsole.log(JSON.stringify({ url, loaded: signedLoader({ src: "dev/photo.jpg", width: 320 }) }));\n');
  const out = JSON.parse(execFileSync(process.execPath, ['signing.mjs'], { cwd: work, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', IMAGE_SIGNING_KEYS: KEYS.join('\n') } }));
  assert.match(out.url, /^https:\/\/images\.example\.com\/dev\/photo\.jpg\?w=400&exp=\d+&sig=/);
  for (const [runtime, normalize] of runtimes) {
    for (const url of [out.url, out.loaded]) {
      const { uri, query } = split(url);
      const answer = await normalize(query, undefined, uri);
      assert.ok('query' in answer, `${runtime} accepts ${url}: ${JSON.stringify(answer)}`);
    }
  }
});

signing.run();
