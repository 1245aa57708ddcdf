// Signed URLs through the local edge over a real s3rver, with both normalizer builds: the
// CloudFront Function reads its keys from the edge's emulated KeyValueStore, the Lambda@Edge
// bundle has them baked in. sig and exp never reach the cache key, and hits are checked too.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLocalEdge, type LocalEdge } from '../../../infra/local/edge';
import { S3RVER_CREDENTIALS, startEmbeddedS3, type EmbeddedS3 } from '../../../infra/local/s3-server';
import { buildNormalizers } from '../../../scripts/build';
import { srcsetFrom } from '../../../client/src/index';
import edgeLoader from '../../../client/src/next';
import { hmacSha256Base64url } from '../../../shared/hmac-sha256';
import { KEY_VALUE_STORE_KEY, signUrl, withWidth } from '../../../shared/signing';
import { distDir } from '../../helpers/bundles';
import { configWith } from '../../helpers/config';
import { decode } from '../../helpers/images';

const BUCKET = 'local-originals';
const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/bucket');
const KEYS = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')];

interface Context { s3: EmbeddedS3; dir: string; edges: Array<[string, LocalEdge]> }
const edge = suite<Context>('signed URLs through the local edge', {} as Context);
const consoleLog = console.log;

edge.before(async (context) => {
  console.log = () => undefined;
  const config = configWith({ signing: { enabled: true } });
  context.dir = mkdtempSync(path.join(tmpdir(), 'signing-edge-'));
  await buildNormalizers(config, KEYS, context.dir);
  symlinkSync(path.join(distDir, 'resize'), path.join(context.dir, 'resize'));
  context.s3 = await startEmbeddedS3();
  await context.s3.seed(BUCKET, SAMPLES);
  const s3 = { endpoint: context.s3.endpoint, bucket: BUCKET, region: 'us-east-1', credentials: S3RVER_CREDENTIALS };
  const common = { config, s3, port: 0, log: () => undefined, distDir: context.dir };
  context.edges = [
    ['lambda@edge', await createLocalEdge({ ...common, viewerRuntime: 'lambda-edge' })],
    ['cloudfront-function', await createLocalEdge({ ...common, viewerRuntime: 'cloudfront-function', keyValueStore: { [KEY_VALUE_STORE_KEY]: KEYS.join('\n') } })],
  ];
});

edge.after(async (context) => {
  for (const [, server] of context.edges || []) await server.close();
  await context.s3?.stop();
  if (context.dir) rmSync(context.dir, { recursive: true, force: true });
  console.log = consoleLog;
});

async function get(server: LocalEdge, url: string) {
  const response = await fetch(server.url + url);
  return { status: response.status, xCache: response.headers.get('x-cache'), body: Buffer.from(await response.arrayBuffer()) };
}

edge('a signed variant is resized once; other signatures of it (another key, another exp) are hits of the same key', async ({ edges }) => {
  const now = Math.floor(Date.now() / 1000);
  for (const [runtime, server] of edges) {
    const width = runtime === 'lambda@edge' ? 121 : 122;
    const url = `/dev/photo.jpg?w=${width}&f=webp`;
    const first = await get(server, signUrl(url, KEYS[0], { expires: now + 600 }));
    assert.is(first.status, 200, runtime);
    assert.is(first.xCache, 'Miss from cloudfront', runtime);
    const decoded = await decode(first.body);
    assert.equal([decoded.format, decoded.width], ['webp', width], runtime);
    for (const again of [signUrl(url, KEYS[1], { expires: now + 1200 }), signUrl(`/dev/photo.jpg?f=webp&w=${width}&utm=x`, KEYS[0])]) {
      const hit = await get(server, again);
      assert.is(hit.status, 200, `${runtime} ${again}`);
      assert.is(hit.xCache, 'Hit from cloudfront', `${runtime}: sig and exp are not in the cache key (${again})`);
    }
  }
});

edge('hits are checked too: once cached, an unsigned, wrong or expired request for the variant is still 403', async ({ edges }) => {
  const now = Math.floor(Date.now() / 1000);
  for (const [runtime, server] of edges) {
    const url = '/dev/photo.jpg?w=90&f=png';
    assert.is((await get(server, signUrl(url, KEYS[0]))).status, 200, runtime);
    for (const [attempt, line] of [
      [url, 'sig is missing: this URL must be signed'],
      [signUrl(url, randomBytes(32).toString('base64url')), 'sig does not match this URL'],
      [signUrl(url, KEYS[1], { expires: now - 5 }), `the URL expired at ${new Date((now - 5) * 1000).toISOString()} (exp=${now - 5})`],
    ]) {
      const answer = await get(server, attempt);
      assert.is(answer.status, 403, `${runtime} ${attempt}`);
      assert.is(answer.body.toString(), line + '\n', `${runtime} ${attempt}`);
      assert.ok(/^(Function|Lambda)GeneratedResponse from cloudfront$/.test(answer.xCache || ''), `${runtime}: answered by the viewer function, before the cache`);
    }
  }
});

edge('bare originals stay public unless signing.originals; a path with a NUL is a 400 from the normalizer', async ({ edges }) => {
  for (const [runtime, server] of edges) {
    assert.is((await get(server, '/dev/thumbnail.png')).status, 200, runtime);
    const nul = await get(server, '/dev/ok.png%00.jpg?w=10');
    assert.is(nul.status, 400, runtime);
    assert.ok(/GeneratedResponse/.test(nul.xCache || ''), runtime);
  }
});

// One signature per image for a srcset (signUrl's widths, `ws`).
const { getImageProps } = createRequire(import.meta.url)('next/image') as typeof import('next/image');

function candidatesOf(srcset: string): Array<{ url: string; width: number }> {
  return srcset.split(', ').map((entry) => {
    const [url, descriptor] = entry.split(' ');
    return { url, width: Number(descriptor.slice(0, -1)) };
  });
}

edge('one ws signature: every srcset candidate is 200 at its width, one cache entry per width; ws and sig stay out of the key', async ({ edges }) => {
  for (const [runtime, server] of edges) {
    // A width of its own per build, so each build's first request is a miss.
    const extra = runtime === 'lambda@edge' ? 301 : 302;
    const signed = signUrl('/dev/photo.jpg?f=webp&q=70', KEYS[0], { widths: { min: 200, max: 900 } });
    assert.match(signed, /^\/dev\/photo\.jpg\?f=webp&q=70&ws=200-900&sig=[A-Za-z0-9_-]{43}$/);
    const srcset = srcsetFrom(server.url + signed, { widths: [100, 200, extra, 640, 900, 1200] });
    const candidates = candidatesOf(srcset);
    // 100 and 1200 are outside the signed range: left out (the edge would answer 403).
    assert.equal(candidates.map((c) => c.width), [200, extra, 640, 900], `${runtime}: ${srcset}`);
    for (const { url, width } of candidates) {
      const response = await fetch(url);
      const body = Buffer.from(await response.arrayBuffer());
      assert.is(response.status, 200, `${runtime} ${url}: ${body.toString().slice(0, 200)}`);
      const decoded = await decode(body);
      assert.equal([decoded.format, decoded.width], ['webp', width], `${runtime} ${url}`);
    }
    // One entry per width: a second request of each is a hit, and so is the same width under
    // another ws signature (another range, another key): neither ws nor sig is in the key.
    const again = await get(server, withWidth(signed, extra));
    assert.is(again.xCache, 'Hit from cloudfront', runtime);
    const other = await get(server, withWidth(signUrl('/dev/photo.jpg?f=webp&q=70', KEYS[1], { widths: { min: 300, max: 400 } }), extra));
    assert.is(other.status, 200, runtime);
    assert.is(other.xCache, 'Hit from cloudfront', `${runtime}: ws and sig are not in the cache key`);
    // dpr spelled in the signed URL counts: w is output pixels after dpr.
    const dpr = signUrl('/dev/photo.jpg?f=webp&q=70&dpr=2', KEYS[0], { widths: { min: 200, max: 900 } });
    assert.is((await get(server, withWidth(dpr, 400))).status, 200, `${runtime}: 400 at dpr 2 is 800`);
    assert.is((await get(server, withWidth(dpr, 500))).status, 403, `${runtime}: 500 at dpr 2 is 1000, outside`);
  }
});

edge('one ws signature: a w outside the range, no w, a changed or added parameter, or another spelling of w is 403', async ({ edges }) => {
  const signed = signUrl('/dev/photo.jpg?f=webp&q=70', KEYS[0], { widths: { min: 200, max: 900 } });
  const sig = signed.slice(signed.indexOf('&sig='));
  const refusals: Array<[string, RegExp]> = [
    [withWidth(signed, 199), /^w must be within ws=200-900 \(min-max widths, after dpr\), got 199$/],
    [withWidth(signed, 901), /^w must be within ws=200-900 .* got 901$/],
    [signed, /^w must be within ws=200-900 .* got none$/],
    [`/dev/photo.jpg?w=400&f=png&q=70&ws=200-900${sig}`, /^sig does not match this URL$/],
    [`/dev/photo.jpg?w=400&f=webp&q=70&h=100&ws=200-900${sig}`, /^sig does not match this URL$/],
    [`/dev/photo.jpg?w=400&f=webp&q=70&ws=200-4000${sig}`, /^sig does not match this URL$/],
    [`/dev/photo.jpg?%77=4000&f=webp&q=70&ws=200-900${sig}`, /^sig does not match this URL$/],
    // Signed by hand (signUrl refuses to): the signature holds, a reversed range admits no width.
    [`/dev/photo.jpg?w=400&f=webp&ws=900-200&sig=${hmacSha256Base64url(KEYS[0], '/dev/photo.jpg?f=webp&ws=900-200')}`, /^w must be within ws=900-200 \(min-max widths, after dpr\), got 400$/],
  ];
  for (const [runtime, server] of edges) {
    for (const [url, message] of refusals) {
      const answer = await get(server, url);
      assert.is(answer.status, 403, `${runtime} ${url}`);
      assert.match(answer.body.toString().trim(), message, `${runtime} ${url}`);
    }
  }
});

edge('the Next.js loader makes every candidate from one ws URL, without a key (real next getImageProps)', async ({ edges }) => {
  for (const [runtime, server] of edges) {
    const src = server.url + signUrl('/dev/photo.jpg?f=webp', KEYS[0], { widths: { min: 16, max: 1500 } });
    // The loader passes a ws URL through only on its own CDN.
    process.env.NEXT_PUBLIC_IMAGE_CDN = server.url;
    const { props } = getImageProps({ src, alt: '', width: 320, height: 213, loader: edgeLoader });
    delete process.env.NEXT_PUBLIC_IMAGE_CDN;
    const candidates = props.srcSet!.split(', ').map((entry) => entry.split(' ')[0]);
    assert.ok(candidates.length >= 2, props.srcSet);
    for (const url of [props.src, ...candidates]) {
      const response = await fetch(url);
      assert.is(response.status, 200, `${runtime} ${url}: ${(await response.clone().text()).slice(0, 200)}`);
      const decoded = await decode(Buffer.from(await response.arrayBuffer()));
      assert.is(decoded.width, Number(new URL(url).searchParams.get('w')), url);
    }
  }
});

edge.run();
