// The local edge end to end, over HTTP: the built bundles in CloudFront's pipeline over a real
// s3rver seeded with the sample bucket, and small misbehaving functions for each rule CloudFront
// enforces. Images are decoded and checked, never compared as bytes (bare originals excepted).
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLocalEdge, type LocalEdge } from '../../../infra/local/edge';
import type { LambdaHandler } from '../../../infra/local/functions';
import { startEmbeddedS3, type EmbeddedS3 } from '../../../infra/local/s3-server';
import { VIEWER_RESPONSE_LIMIT_BYTES } from '../../../shared/limits';
import { configWith } from '../../helpers/config';
import { rawRequest } from '../../helpers/http';
import { decode } from '../../helpers/images';

const BUCKET = 'local-originals';
const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/bucket');
const KOREAN = '/dev/%EC%84%9C%EC%9A%B8%20%EC%95%BC%EA%B2%BD.jpg';

interface Context {
  s3: EmbeddedS3;
  lambda: LocalEdge;
  cff: LocalEdge;
  restricted: LocalEdge;
  misbehaving: LocalEdge;
  misbehavingCff: LocalEdge;
  logs: string[];
  originCalls: Record<string, number>;
  /** When set, the lambda and cff edges' cache clock stands still at this time. */
  frozenClockMs?: number;
}

const edge = suite<Context>('local edge', { logs: [], originCalls: {} } as unknown as Context);

/** Lambda@Edge viewer-request misbehaviour chosen by the path: /dev/rule/<name>/… */
const misbehavingViewer: LambdaHandler = async (event) => {
  const request = (event as { Records: Array<{ cf: { request: { uri: string; headers: Record<string, unknown> } } }> }).Records[0].cf.request;
  switch (request.uri.split('/')[3]) {
    case 'viewer-too-large': return { status: '200', headers: {}, body: 'x'.repeat(VIEWER_RESPONSE_LIMIT_BYTES + 1) };
    case 'viewer-bad-base64': return { status: '200', headers: {}, body: 'not*base64', bodyEncoding: 'base64' };
    case 'viewer-read-only': request.headers.host = [{ key: 'Host', value: 'evil.example' }]; return request;
    case 'viewer-forbidden': request.headers['x-real-ip'] = [{ key: 'X-Real-IP', value: '203.0.113.9' }]; return request;
    case 'viewer-throws': throw new TypeError('viewer bug');
    case 'viewer-timeout': return new Promise(() => undefined);
    default: return request;
  }
};

function misbehavingOrigin(calls: Record<string, number>): LambdaHandler {
  return (event, _context, callback) => {
    const { request, response } = (event as { Records: Array<{ cf: { request: { uri: string }; response: { headers: Record<string, unknown> } } }> }).Records[0].cf;
    const rule = request.uri.split('/')[3];
    calls[rule] = (calls[rule] || 0) + 1;
    switch (rule) {
      // 800 KB of bytes is about 1.07 MB of base64 text.
      case 'origin-too-large': return Promise.resolve({ status: '200', headers: {}, body: Buffer.alloc(800 * 1024, 7).toString('base64'), bodyEncoding: 'base64' });
      case 'origin-bad-base64': return Promise.resolve({ status: '200', headers: {}, body: '====', bodyEncoding: 'base64' });
      case 'origin-read-only': response.headers.via = [{ key: 'Via', value: '1.1 resizer' }]; return Promise.resolve(response);
      case 'origin-forbidden': response.headers['x-cache'] = [{ key: 'X-Cache', value: 'Hit from resizer' }]; return Promise.resolve(response);
      case 'origin-throws': return Promise.reject(new Error('resizer bug'));
      case 'origin-callback-error': callback(new Error('resizer bug, callback style')); return undefined;
      case 'origin-no-result': return Promise.resolve(undefined);
      case 'origin-timeout': return new Promise(() => undefined);
      case 'origin-cors': response.headers['access-control-allow-origin'] = [{ key: 'Access-Control-Allow-Origin', value: 'https://evil.example' }]; return Promise.resolve(response);
      case 'origin-generated': return Promise.resolve({ status: '200', statusDescription: 'OK', headers: { 'content-type': [{ key: 'Content-Type', value: 'text/plain' }] }, body: 'generated here', bodyEncoding: 'text' });
      default: return Promise.resolve(response);
    }
  };
}

const MISBEHAVING_CFF = `
function handler(event) {
  var rule = event.request.uri.split('/')[3];
  if (rule === 'cff-throws') throw new Error('cff bug');
  if (rule === 'cff-loop') { for (;;) {} }
  if (rule === 'cff-too-large') return { statusCode: 200, statusDescription: 'OK', headers: {}, body: new Array(41 * 1024).join('x') };
  if (rule === 'cff-read-only') { event.request.headers.host = { value: 'evil.example' }; return event.request; }
  return event.request;
}`;

const consoleLog = console.log;

edge.before(async (context) => {
  // The resizer bundle logs a JSON line per invocation, as it does to CloudWatch; keep them out of the test output.
  console.log = () => undefined;
  context.s3 = await startEmbeddedS3();
  await context.s3.seed(BUCKET, SAMPLES);
  const s3 = context.s3.originOptions(BUCKET);
  const log = (line: string) => { context.logs.push(line); };
  const config = configWith({ deploy: { normalizer: 'lambda-edge' } });
  const identity: LambdaHandler = async (event) => (event as { Records: Array<{ cf: { request?: unknown; response?: unknown } }> }).Records[0].cf.response || (event as { Records: Array<{ cf: { request: unknown } }> }).Records[0].cf.request;
  const now = () => context.frozenClockMs ?? Date.now();
  context.lambda = await createLocalEdge({ config, s3, port: 0, log, now });
  context.cff = await createLocalEdge({ config, s3, port: 0, log, now, viewerRuntime: 'cloudfront-function' });
  context.restricted = await createLocalEdge({
    config: configWith({ cors: { allowedOrigins: ['https://allowed.example'] } }), s3, port: 0, log,
    viewerRuntime: 'lambda-edge', functions: { viewerRequest: identity, originResponse: identity },
  });
  const timeouts = { viewerMs: 300, originMs: 300 };
  context.misbehaving = await createLocalEdge({
    config, s3, port: 0, log, timeouts, viewerRuntime: 'lambda-edge',
    functions: { viewerRequest: misbehavingViewer, originResponse: misbehavingOrigin(context.originCalls) },
  });
  context.misbehavingCff = await createLocalEdge({
    config, s3, port: 0, log, timeouts, viewerRuntime: 'cloudfront-function',
    functions: { cloudFrontFunctionSource: MISBEHAVING_CFF, originResponse: identity },
  });
});

edge.after(async (context) => {
  for (const server of [context.lambda, context.cff, context.restricted, context.misbehaving, context.misbehavingCff]) await server?.close();
  await context.s3?.stop();
  console.log = consoleLog;
});

async function get(base: LocalEdge, url: string, init: RequestInit = {}) {
  const response = await fetch(base.url + url, init);
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body, xCache: response.headers.get('x-cache') };
}

const RESIZED: Array<[string, string, number, number, number?]> = [
  ['/dev/thumbnail.png?w=200&h=150&f=webp&q=90', 'webp', 200, 150],
  ['/dev/photo.jpg?w=320&f=avif', 'avif', 320, 213],
  [`${KOREAN}?w=300&f=png`, 'png', 300, 200],
  ['/prod/thumbnail.png?w=100&h=50&fit=contain&f=jpeg', 'jpeg', 100, 50],
  ['/dev/spinner.gif?w=48&f=gif', 'gif', 48, 48, 12],
];

edge('both built functions resize through the pipeline: status, type and decoded size', async ({ lambda }) => {
  for (const [url, format, width, height, pages] of RESIZED) {
    const answer = await get(lambda, url);
    assert.is(answer.status, 200, url);
    assert.is(answer.headers.get('content-type'), `image/${format}`, url);
    assert.is(answer.xCache, 'Miss from cloudfront', url);
    const decoded = await decode(answer.body);
    assert.equal([decoded.format, decoded.width, decoded.height], [format, width, height], url);
    if (pages) assert.is(decoded.pages, pages, `${url} keeps its frames`);
    assert.is(Number(answer.headers.get('content-length')), answer.body.length, url);
  }
});

edge('bare URLs return the original bytes; other files pass through; the default behaviour ignores the query', async ({ lambda }) => {
  const original = readFileSync(path.join(SAMPLES, 'thumbnail.png'));
  for (const url of ['/thumbnail.png', '/dev/thumbnail.png']) {
    const answer = await get(lambda, url);
    assert.is(answer.status, 200, url);
    assert.is(answer.headers.get('content-type'), 'image/png', url);
    assert.ok(answer.body.equals(original), `${url} is the original, byte for byte`);
  }
  const ignored = await get(lambda, '/thumbnail.png?w=100&f=webp');
  assert.is(ignored.xCache, 'Hit from cloudfront', 'the default behaviour keys on the path alone');
  assert.equal([(await decode(ignored.body)).width, ignored.headers.get('content-type')], [800, 'image/png']);
  const pdf = await get(lambda, '/dev/guide.pdf?w=100');
  assert.is(pdf.status, 200);
  assert.is(pdf.headers.get('content-type'), 'application/pdf');
  assert.is(pdf.body.subarray(0, 5).toString(), '%PDF-');
});

edge('permuted and equivalent query strings are one cache entry; Accept is not in the key', async ({ lambda }) => {
  const first = await get(lambda, '/dev/thumbnail.png?w=120&h=90&f=webp&q=90');
  assert.is(first.xCache, 'Miss from cloudfront');
  assert.is(first.headers.get('age'), null);
  for (const url of [
    '/dev/thumbnail.png?q=90&f=webp&h=90&w=120',
    '/dev/thumbnail.png?w=120&h=90&f=webp&q=90&fit=cover&utm_source=newsletter',
    '/dev/thumbnail.png?w=60&h=45&dpr=2&f=webp&q=90',
  ]) {
    const again = await get(lambda, url);
    assert.is(again.xCache, 'Hit from cloudfront', url);
    assert.ok(Number(again.headers.get('age')) >= 0, `${url} has an age`);
    assert.equal([(await decode(again.body)).width, (await decode(again.body)).height], [120, 90], url);
  }
  const webp = await get(lambda, '/dev/thumbnail.png?w=70', { headers: { accept: 'image/webp,*/*' } });
  const png = await get(lambda, '/dev/thumbnail.png?w=70', { headers: { accept: 'image/png' } });
  assert.equal([webp.xCache, (await decode(webp.body)).format], ['Miss from cloudfront', 'webp']);
  assert.equal([png.xCache, (await decode(png.body)).format], ['Miss from cloudfront', 'png']);
  assert.is((await get(lambda, '/dev/thumbnail.png?f=auto&w=70', { headers: { accept: 'image/webp' } })).xCache, 'Hit from cloudfront');
});

edge('one cache entry per variant whatever Accept-Encoding the viewer sends (the variant cache policy as synthesized)', async ({ lambda, cff }) => {
  for (const server of [lambda, cff]) {
    const url = `/dev/thumbnail.png?w=77&f=webp&q=${server === lambda ? 71 : 72}`;
    const seen: string[] = [];
    for (const encoding of ['br', 'gzip', 'gzip, deflate, br, zstd', undefined]) {
      const answer = await rawRequest(server.port, 'GET', url, encoding === undefined ? [] : [['Accept-Encoding', encoding]]);
      assert.is(answer.status, 200, `${url} with ${encoding}`);
      assert.is((await decode(answer.body)).width, 77);
      seen.push(`${encoding}: ${answer.headers['x-cache']}`);
    }
    assert.equal(seen, [
      'br: Miss from cloudfront',
      'gzip: Hit from cloudfront',
      'gzip, deflate, br, zstd: Hit from cloudfront',
      'undefined: Hit from cloudfront',
    ], 'resized once, stored once');
  }
});

edge('SVGs under a resizing path take their own behaviour, as the stack builds it: normalizer, no resizer, the query out of the key', async ({ lambda, s3 }) => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dev/logo.svg', Body: svg, ContentType: 'image/svg+xml' }));
  const first = await get(lambda, '/dev/logo.svg?w=10&f=webp');
  assert.equal([first.status, first.xCache, first.headers.get('content-type'), first.body.toString()], [200, 'Miss from cloudfront', 'image/svg+xml', svg]);
  const other = await get(lambda, '/dev/logo.svg?w=20');
  assert.is(other.xCache, 'Hit from cloudfront', 'CachingOptimized keys on the path alone');
  const refused = await get(lambda, '/dev/logo.svg?w=abc');
  assert.equal([refused.status, refused.xCache], [400, 'LambdaGeneratedResponse from cloudfront'], 'the normalizer still runs');
});

edge('a missing key is S3\'s 404, and CloudFront keeps that error for the error caching TTL', async ({ lambda, s3 }) => {
  const missing = await get(lambda, '/dev/later.png?w=10');
  assert.is(missing.status, 404);
  assert.is(missing.xCache, 'Error from cloudfront');
  assert.match(missing.body.toString(), /<Code>NoSuchKey<\/Code>/);
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dev/later.png', Body: readFileSync(path.join(SAMPLES, 'thumbnail.png')), ContentType: 'image/png' }));
  assert.is((await get(lambda, '/dev/later.png?w=10')).status, 404, 'still the cached 404');
  const other = await get(lambda, '/dev/later.png?w=11');
  assert.equal([other.status, (await decode(other.body)).width], [200, 11], 'another key sees the new object');
});

edge('the cache honours no-store and max-age from the origin', async (context) => {
  const { lambda, s3 } = context;
  const put = (key: string, cacheControl: string) => s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'text', ContentType: 'text/plain', CacheControl: cacheControl }));
  await put('dev/no-store.txt', 'no-store');
  await put('dev/one-second.txt', 'max-age=1');
  assert.is((await get(lambda, '/dev/no-store.txt')).xCache, 'Miss from cloudfront');
  assert.is((await get(lambda, '/dev/no-store.txt')).xCache, 'Miss from cloudfront');
  context.frozenClockMs = Date.now();
  try {
    assert.is((await get(lambda, '/dev/one-second.txt')).xCache, 'Miss from cloudfront');
    assert.is((await get(lambda, '/dev/one-second.txt')).xCache, 'Hit from cloudfront');
    context.frozenClockMs += 999;
    assert.is((await get(lambda, '/dev/one-second.txt')).xCache, 'Hit from cloudfront', 'still fresh just before max-age');
    context.frozenClockMs += 1;
    assert.is((await get(lambda, '/dev/one-second.txt')).xCache, 'Miss from cloudfront', 'expired at max-age');
  } finally {
    context.frozenClockMs = undefined;
  }
});

edge('HEAD sends the headers without the body; If-None-Match gets 304', async ({ lambda }) => {
  const url = '/dev/thumbnail.png?w=90&f=webp';
  const full = await get(lambda, url);
  const head = await get(lambda, url, { method: 'HEAD' });
  assert.equal([head.status, head.body.length, head.headers.get('content-length')], [200, 0, String(full.body.length)]);
  const etag = full.headers.get('etag')!;
  assert.ok(etag, 'variants carry an etag');
  for (const tag of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
    const conditional = await get(lambda, url, { headers: { 'if-none-match': tag } });
    assert.equal([conditional.status, conditional.body.length], [304, 0], tag);
    assert.is(conditional.headers.get('etag'), etag);
  }
  assert.is((await get(lambda, url, { headers: { 'if-none-match': '"other"' } })).status, 200);
  assert.is((await get(lambda, url, { method: 'POST' })).status, 403, 'only GET, HEAD and OPTIONS are allowed');
});

edge('CORS from the response headers policy: any origin by default, with preflight', async ({ lambda }) => {
  const simple = await get(lambda, '/dev/thumbnail.png?w=90&f=webp', { headers: { origin: 'https://site.example' } });
  assert.is(simple.headers.get('access-control-allow-origin'), '*');
  assert.is(simple.headers.get('access-control-expose-headers'), 'server-timing, accept-ranges, content-range, content-length', 'timings, and what a range reader such as pdf.js needs');
  assert.is(simple.headers.get('vary'), 'Accept, Origin');
  assert.is(simple.headers.get('x-content-type-options'), 'nosniff');
  assert.is((await get(lambda, '/dev/thumbnail.png?w=90&f=webp')).headers.get('access-control-allow-origin'), null, 'no Origin, no CORS headers');
  const preflight = await get(lambda, '/dev/thumbnail.png?w=90', { method: 'OPTIONS', headers: { origin: 'https://site.example', 'access-control-request-method': 'GET' } });
  assert.is(preflight.status, 200);
  assert.is(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-methods')!, /GET/);
});

edge('a disallowed origin gets no access-control-allow-origin, and its preflight is refused', async ({ restricted }) => {
  const allowed = await get(restricted, '/thumbnail.png', { headers: { origin: 'https://allowed.example' } });
  assert.is(allowed.headers.get('access-control-allow-origin'), 'https://allowed.example');
  const refused = await get(restricted, '/thumbnail.png', { headers: { origin: 'https://evil.example' } });
  assert.is(refused.status, 200, 'the image itself is still served');
  assert.is(refused.headers.get('access-control-allow-origin'), null);
  const preflight = await get(restricted, '/thumbnail.png', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
  assert.is(preflight.status, 403);
  assert.is(preflight.headers.get('access-control-allow-origin'), null);
});

edge('a malformed parameter is the normalizer\'s own 400, generated at the viewer', async ({ lambda, cff }) => {
  for (const [server, xCache] of [[lambda, 'LambdaGeneratedResponse from cloudfront'], [cff, 'FunctionGeneratedResponse from cloudfront']] as const) {
    const answer = await get(server, '/dev/thumbnail.png?w=abc');
    assert.equal([answer.status, answer.xCache, answer.headers.get('x-resizer-error')], [400, xCache, 'bad_parameter']);
    assert.match(answer.body.toString(), /^w must be/);
  }
});

edge('the CloudFront Functions build runs in the same pipeline', async ({ cff }) => {
  const first = await get(cff, '/dev/thumbnail.png?w=200&h=150&f=webp&q=90');
  assert.equal([first.status, first.xCache], [200, 'Miss from cloudfront']);
  const decoded = await decode(first.body);
  assert.equal([decoded.format, decoded.width, decoded.height], ['webp', 200, 150]);
  assert.is((await get(cff, '/dev/thumbnail.png?q=90&w=200&f=webp&h=150')).xCache, 'Hit from cloudfront');
});

edge('one log line per request: method, path and query, status, x-cache, ms', async ({ lambda, logs }) => {
  // A query of its own, so that no earlier test's requests are counted.
  const url = '/dev/thumbnail.png?w=77&f=webp&utm_source=log-test';
  const from = logs.length;
  await get(lambda, url);
  await get(lambda, url, { method: 'HEAD' });
  await get(lambda, '/dev/thumbnail.png?w=abc&utm_source=log-test');
  // The resizer's one invocation adds its metrics line; the rest is one line per request.
  const metrics = logs.slice(from).filter((line) => line.startsWith('resizer '));
  assert.equal(metrics.length, 1, metrics.join('\n'));
  assert.match(metrics[0], /^resizer resized webp q\d+ 77x77 · /);
  const lines = logs.slice(from).filter((line) => !line.startsWith('resizer '));
  assert.is(lines.length, 3, lines.join('\n'));
  assert.match(lines[0], /^GET \/dev\/thumbnail\.png\?w=77&f=webp&utm_source=log-test 200 Miss from cloudfront \d+ms$/);
  assert.match(lines[1], /^HEAD \/dev\/thumbnail\.png\?w=77&f=webp&utm_source=log-test 200 Hit from cloudfront \d+ms$/);
  assert.match(lines[2], /^GET \/dev\/thumbnail\.png\?w=abc&utm_source=log-test 400 LambdaGeneratedResponse from cloudfront \d+ms$/);
});

// Spellings that must share one cache entry with the first, in both normalizer builds.
const SAME_VARIANT: Array<{ name: string; first: string; again: string[]; size: [number, number] }> = [
  { name: 'rotation', first: '/dev/photo.jpg?w=120&f=webp&rot=270', again: ['/dev/photo.jpg?rot=-90&f=webp&w=120', '/dev/photo.jpg?f=webp&rot=630&w=60&dpr=2'], size: [120, 180] },
  { name: 'mirrors and colour', first: '/dev/thumbnail.png?w=80&h=80&fit=contain&f=png&flip=hv&bg=ff0000', again: ['/dev/thumbnail.png?bg=F00&flip=vh&f=png&fit=contain&h=80&w=80', '/dev/thumbnail.png?w=80&h=80&fit=contain&f=png&flip=vh&bg=FF0000FF&gray=0'], size: [80, 80] },
  { name: 'filters, crop and focal point', first: '/dev/photo.jpg?w=90&h=90&f=jpeg&pos=0.25,0.75&blur=1.5&sharpen=0&rect=10,10,300,200', again: ['/dev/photo.jpg?rect=010,10,300,200&blur=1.50&pos=.25,.750&f=jpeg&h=90&w=90', '/dev/photo.jpg?w=90&h=90&f=jpeg&pos=0.25,0.75&blur=1.5&rect=10,10,300,200&anim=1&rot=0'], size: [90, 90] },
];

for (const { name, first, again, size } of SAME_VARIANT) {
  edge(`permuted and aliased spellings of the new edits are cache hits after the first, in both builds: ${name}`, async ({ lambda, cff }) => {
    for (const [runtime, server] of [['lambda@edge', lambda], ['cloudfront-function', cff]] as const) {
      const miss = await get(server, first);
      assert.equal([miss.status, miss.xCache], [200, 'Miss from cloudfront'], `${runtime} ${first}`);
      const decoded = await decode(miss.body);
      assert.equal([decoded.width, decoded.height], size, `${runtime} ${first}`);
      for (const url of again) assert.is((await get(server, url)).xCache, 'Hit from cloudfront', `${runtime} ${url}`);
    }
  });
}

const RULES: Array<[string, number, string, string]> = [
  ['/dev/rule/viewer-too-large/a.png', 502, 'LambdaValidationError', 'response-size'],
  ['/dev/rule/viewer-bad-base64/a.png', 502, 'LambdaValidationError', 'base64-body'],
  ['/dev/rule/viewer-read-only/a.png', 502, 'LambdaValidationError', 'read-only-header'],
  ['/dev/rule/viewer-forbidden/a.png', 502, 'LambdaValidationError', 'forbidden-header'],
  ['/dev/rule/viewer-throws/a.png', 503, 'LambdaExecutionError', 'function-error'],
  ['/dev/rule/viewer-timeout/a.png', 503, 'LambdaLimitExceeded', 'function-timeout'],
  ['/dev/rule/origin-too-large/a.png', 502, 'LambdaValidationError', 'response-size'],
  ['/dev/rule/origin-bad-base64/a.png', 502, 'LambdaValidationError', 'base64-body'],
  ['/dev/rule/origin-read-only/a.png', 502, 'LambdaValidationError', 'read-only-header'],
  ['/dev/rule/origin-forbidden/a.png', 502, 'LambdaValidationError', 'forbidden-header'],
  ['/dev/rule/origin-no-result/a.png', 502, 'LambdaValidationError', 'result-shape'],
  ['/dev/rule/origin-throws/a.png', 503, 'LambdaExecutionError', 'function-error'],
  ['/dev/rule/origin-callback-error/a.png', 503, 'LambdaExecutionError', 'function-error'],
  ['/dev/rule/origin-timeout/a.png', 503, 'LambdaLimitExceeded', 'function-timeout'],
];

edge('each Lambda@Edge rule violation gets CloudFront\'s status and a log line naming the rule', async ({ misbehaving, logs }) => {
  for (const [url, status, errorType, rule] of RULES) {
    const answer = await get(misbehaving, url);
    assert.is(answer.status, status, url);
    assert.is(answer.xCache, `${errorType} from cloudfront`, url);
    assert.match(answer.body.toString(), `rule ${rule}`, url);
    assert.ok(logs.some((line) => line.startsWith(`${errorType} (${status})`) && line.includes(url) && line.endsWith(`[rule: ${rule}]`)), `log line for ${url}`);
  }
});

edge('a valid generated origin response is served; origin CORS headers are overridden; failures are never cached', async ({ misbehaving, originCalls }) => {
  const generated = await get(misbehaving, '/dev/rule/origin-generated/a.png');
  assert.equal([generated.status, generated.body.toString(), generated.headers.get('content-type')], [200, 'generated here', 'text/plain']);
  const overridden = await get(misbehaving, '/dev/rule/origin-cors/a.png', { headers: { origin: 'https://site.example' } });
  assert.is(overridden.headers.get('access-control-allow-origin'), '*', 'the policy replaces the origin\'s CORS headers');
  assert.is((await get(misbehaving, '/dev/rule/origin-cors/a.png')).headers.get('access-control-allow-origin'), null, 'and drops them for non-CORS requests');
  const before = originCalls['origin-throws'];
  assert.is((await get(misbehaving, '/dev/rule/origin-throws/a.png')).status, 503);
  assert.is(originCalls['origin-throws'], before + 1, 'the function ran again');
});

const CFF_RULES: Array<[string, number, string, string]> = [
  ['/dev/rule/cff-throws/a.png', 503, 'FunctionExecutionError', 'function-error'],
  ['/dev/rule/cff-loop/a.png', 503, 'FunctionThrottledError', 'function-timeout'],
  ['/dev/rule/cff-too-large/a.png', 502, 'FunctionValidationError', 'response-size'],
  ['/dev/rule/cff-read-only/a.png', 502, 'FunctionValidationError', 'read-only-header'],
];

edge('CloudFront Functions rule violations get the same treatment', async ({ misbehavingCff }) => {
  for (const [url, status, errorType, rule] of CFF_RULES) {
    const answer = await get(misbehavingCff, url);
    assert.equal([answer.status, answer.xCache], [status, `${errorType} from cloudfront`], url);
    assert.match(answer.body.toString(), `rule ${rule}`, url);
  }
});

edge.run();
