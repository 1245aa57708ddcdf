// Error answers end to end through the local edge (the built normalizer, CloudFront's cache
// rules, real s3rver), with the resizer built from source so the test can set `fallback`:
// what CloudFront caches and for how long, the fallback image, SVG headers, 304s.
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHandler, SVG_HEADERS } from '../../../functions/resize/index';
import { resizerConfig } from '../../../functions/resize/runtime-config';
import { createLocalEdge, type LocalEdge } from '../../../infra/local/edge';
import type { LambdaHandler } from '../../../infra/local/functions';
import { S3RVER_CREDENTIALS, startEmbeddedS3, type EmbeddedS3 } from '../../../infra/local/s3-server';
import { configWith } from '../../helpers/config';
import { HOSTILE_SVG } from '../../helpers/hostile-images';
import { decode, gradient } from '../../helpers/images';

const BUCKET = 'edge-errors';
interface Context { s3: EmbeddedS3; edge: LocalEdge; logs: string[] }
const errors = suite<Context>('local edge: error answers', {} as never);
const consoleLog = console.log;

errors.before(async (context) => {
  context.logs = [];
  console.log = (...args: unknown[]) => { context.logs.push(args.join(' ')); };
  context.s3 = await startEmbeddedS3();
  const put = (Key: string, Body: Buffer | string, ContentType: string) => context.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body, ContentType }));
  await context.s3.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await put('dev/photo.jpg', await gradient(300, 200), 'image/jpeg');
  await put('dev/broken.jpg', 'not an image at all', 'image/jpeg');
  await put('dev/evil.svg', HOSTILE_SVG, 'image/svg+xml');
  await put('evil.svg', HOSTILE_SVG, 'image/svg+xml');
  await put('dev/drawing', HOSTILE_SVG, 'image/svg+xml');
  await put('fallback.png', await gradient(200, 100, 'png'), 'image/png');
  const config = configWith({ fallback: 'fallback.png' });
  const resizer = createHandler(resizerConfig(config, { endpoint: context.s3.endpoint, bucket: BUCKET, credentials: S3RVER_CREDENTIALS }));
  context.edge = await createLocalEdge({
    config, port: 0, log: () => undefined,
    s3: { endpoint: context.s3.endpoint, bucket: BUCKET, region: 'us-east-1', credentials: S3RVER_CREDENTIALS },
    functions: { originResponse: resizer as LambdaHandler },
  });
});

errors.after(async (context) => {
  await context.edge?.close();
  await context.s3?.stop();
  console.log = consoleLog;
});

async function get(edge: LocalEdge, url: string, init: RequestInit = {}) {
  const response = await fetch(edge.url + url, init);
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()), xCache: response.headers.get('x-cache') };
}

function resizerRuns(logs: string[]): Array<{ outcome: string; ms: Record<string, number> }> {
  return logs.filter((line) => line.startsWith('{') && line.includes('"outcome"')).map((line) => JSON.parse(line));
}

errors('a missing original gets the fallback image, resized, as a 404 that CloudFront caches for errorCacheControl', async (context) => {
  const { edge } = context;
  const first = await get(edge, '/dev/missing.jpg?w=50&f=webp');
  assert.is(first.status, 404);
  assert.is(first.headers.get('content-type'), 'image/webp');
  assert.is(first.headers.get('cache-control'), 'public, max-age=60');
  assert.equal([(await decode(first.body)).width, (await decode(first.body)).height], [50, 25]);
  context.logs.length = 0;
  const again = await get(edge, '/dev/missing.jpg?w=50&f=webp');
  assert.equal([again.status, again.headers.get('content-type'), again.body.length], [404, 'image/webp', first.body.length]);
  assert.is(resizerRuns(context.logs).length, 0, 'served from the cache: the resizer did not run');
});

errors('an undecodable original gets the fallback as a 422, which CloudFront never caches; the resizer remembers the refusal', async (context) => {
  const first = await get(context.edge, '/dev/broken.jpg?w=40&f=png');
  assert.equal([first.status, first.headers.get('content-type')], [422, 'image/png']);
  assert.is((await decode(first.body)).width, 40);
  context.logs.length = 0;
  const again = await get(context.edge, '/dev/broken.jpg?w=40&f=png');
  assert.is(again.status, 422);
  const runs = resizerRuns(context.logs);
  assert.is(runs.length, 1, 'not cached: the resizer ran again');
  assert.is(runs[0].ms.fetch, undefined, 'but fetched and decoded nothing: the refusal and the fallback were remembered');
});

// dev/*.svg is the SVG behaviour (normalizer, no resizer), /evil.svg the default behaviour (no
// functions): both get the headers from the response headers policy alone. dev/drawing (an SVG
// whose name does not say so) goes to dev/* and the resizer, which adds them too.
errors('an SVG is served as stored with a sandboxing CSP and nosniff: the SVG behaviour bare or with a transform, the default behaviour, and an SVG named without .svg on a resizing behaviour', async ({ edge, logs }) => {
  const cases: Array<[string, boolean]> = [
    ['/dev/evil.svg', false], ['/dev/evil.svg?w=100&f=png', false], ['/evil.svg', false], ['/evil.svg?w=100', false],
    ['/dev/drawing', true], ['/dev/drawing?w=100&f=png', true],
  ];
  for (const [url, resized] of cases) {
    const before = resizerRuns(logs).length;
    const answer = await get(edge, url);
    assert.is(answer.status, 200, url);
    assert.is(answer.headers.get('content-type'), 'image/svg+xml', url);
    assert.is(answer.body.toString(), HOSTILE_SVG, `${url}: never rasterized`);
    for (const [name, value] of Object.entries(SVG_HEADERS)) assert.is(answer.headers.get(name), value, `${url}: ${name}`);
    assert.is(resizerRuns(logs).length - before, resized ? 1 : 0, `${url}: the resizer ${resized ? 'ran' : 'did not run'}`);
  }
});

errors('a variant\'s strong ETag gets 304 from the edge; another variant has another ETag', async ({ edge }) => {
  const full = await get(edge, '/dev/photo.jpg?w=120&f=webp');
  const etag = full.headers.get('etag')!;
  assert.match(etag, /^"[A-Za-z0-9_-]{27}"$/);
  const conditional = await get(edge, '/dev/photo.jpg?w=120&f=webp', { headers: { 'if-none-match': etag } });
  assert.equal([conditional.status, conditional.body.length, conditional.xCache], [304, 0, 'Hit from cloudfront']);
  const other = await get(edge, '/dev/photo.jpg?w=121&f=webp');
  assert.is.not(other.headers.get('etag'), etag);
  assert.is((await get(edge, '/dev/photo.jpg?w=121&f=webp', { headers: { 'if-none-match': etag } })).status, 200);
});

errors.run();
