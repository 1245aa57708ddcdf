// Signed URLs through the local edge over a real s3rver, with both normalizer builds: the
// CloudFront Function reads its keys from the edge's emulated KeyValueStore, the Lambda@Edge
// bundle has them baked in. sig and exp never reach the cache key, and hits are checked too.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLocalEdge, type LocalEdge } from '../../../infra/local/edge';
import { S3RVER_CREDENTIALS, startEmbeddedS3, type EmbeddedS3 } from '../../../infra/local/s3-server';
import { buildNormalizers } from '../../../scripts/build';
import { KEY_VALUE_STORE_KEY, signUrl } from '../../../shared/signing';
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

edge.run();
