// Requests an attacker would send, raw over HTTP through the local edge (both normalizer
// builds): each gets the answer CloudFront and S3 would give, never a 500 from the local edge
// or the embedded S3 server, and nothing one request does changes the next one's answer.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalEdge, type LocalEdge } from '../../../infra/local/edge';
import { startEmbeddedS3, type EmbeddedS3 } from '../../../infra/local/s3-server';
import { configWith } from '../../helpers/config';
import { rawRequest, type RawAnswer } from '../../helpers/http';
import { decode } from '../../helpers/images';

const BUCKET = 'local-originals';
const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/bucket');

interface Context {
  s3: EmbeddedS3;
  lambda: LocalEdge;
  cff: LocalEdge;
  logs: string[];
}

const hostile = suite<Context>('local edge: hostile requests', { logs: [] } as unknown as Context);
const consoleLog = console.log;

hostile.before(async (context) => {
  console.log = () => undefined;
  context.s3 = await startEmbeddedS3();
  await context.s3.seed(BUCKET, SAMPLES);
  const log = (line: string) => { context.logs.push(line); };
  const config = configWith({ cors: { allowedOrigins: ['https://site.example'] } });
  context.lambda = await createLocalEdge({ config, s3: context.s3.originOptions(BUCKET), port: 0, log, viewerRuntime: 'lambda-edge' });
  context.cff = await createLocalEdge({ config, s3: context.s3.originOptions(BUCKET), port: 0, log, viewerRuntime: 'cloudfront-function' });
});

hostile.after(async (context) => {
  for (const server of [context.lambda, context.cff]) await server?.close();
  await context.s3?.stop();
  console.log = consoleLog;
});

const get = (edge: LocalEdge, target: string, headers: ReadonlyArray<readonly [string, string]> = [], method = 'GET') => rawRequest(edge.port, method, target, headers);

async function width(answer: RawAnswer): Promise<number> {
  return (await decode(answer.body)).width;
}

hostile('__proto__ in the query, a header or a cookie pollutes nothing: later requests, hits included, still work', async ({ cff, lambda }) => {
  for (const edge of [cff, lambda]) {
    const before = await get(edge, '/dev/thumbnail.png?w=41&f=webp');
    assert.is(before.status, 200);
    for (const [target, headers] of [
      ['/dev/thumbnail.png?__proto__=1', []],
      ['/dev/thumbnail.png?w=42&__proto__[multiValue]=1&constructor=2', []],
      ['/dev/thumbnail.png?w=43', [['__proto__', 'x'], ['constructor', 'y']]],
      ['/dev/thumbnail.png?w=44', [['Cookie', '__proto__=1; constructor=2']]],
    ] as Array<[string, Array<[string, string]>]>) {
      const answer = await get(edge, target, headers);
      assert.ok(answer.status < 500, `${target} ${JSON.stringify(headers)}: ${answer.status} ${answer.headers['x-cache']}`);
    }
    assert.is((Object.prototype as Record<string, unknown>).multiValue, undefined, 'Object.prototype is untouched');
    const hit = await get(edge, '/dev/thumbnail.png?w=41&f=webp');
    assert.equal([hit.status, hit.headers['x-cache']], [200, 'Hit from cloudfront']);
    const miss = await get(edge, '/dev/thumbnail.png?w=45&f=webp');
    assert.equal([miss.status, await width(miss)], [200, 45]);
  }
});

hostile('headers named __proto__ or constructor are ordinary headers to the Lambda@Edge build', async ({ lambda }) => {
  const answer = await get(lambda, '/dev/thumbnail.png?w=46&f=webp', [['__proto__', 'x'], ['constructor', 'y'], ['hasOwnProperty', 'z']]);
  assert.equal([answer.status, await width(answer)], [200, 46]);
});

hostile('the behaviour is chosen on the path with dot segments resolved, as CloudFront does', async ({ lambda, cff }) => {
  for (const edge of [lambda, cff]) {
    // Resolves to the root object: the default behaviour, whose normalizer refuses the `..` segment.
    const root = await get(edge, '/dev/../thumbnail.png?w=50');
    assert.is(root.status, 400, `/dev/../thumbnail.png?w=50: ${root.status}`);
    // Resolves into dev/*: the resizing behaviour runs, so the original is never served untouched for a transform.
    const dev = await get(edge, '/x/../dev/photo.jpg?w=61');
    assert.ok(dev.status !== 200 || (await width(dev)) === 61, `/x/../dev/photo.jpg?w=61: ${dev.status}`);
    assert.ok(dev.status < 500, `/x/../dev/photo.jpg?w=61: ${dev.status}`);
  }
});

hostile('a NUL or control character in the path, or a path segment the embedded S3 cannot store, is 404 or 400, never 500', async ({ lambda, cff }) => {
  const long = 'a'.repeat(250);
  for (const edge of [lambda, cff]) {
    for (const target of ['/dev/ok.png%00.jpg?w=10', '/ok.png%00.jpg', '/dev/a%01b.png?w=10', '/a%01b.png', `/dev/${long}.png?w=10`, `/${long}.png`, `/dev/${long}/x.png`]) {
      const answer = await get(edge, target);
      assert.ok(answer.status === 400 || answer.status === 404, `${target.slice(0, 40)}: ${answer.status} ${answer.body.toString().slice(0, 120)}`);
      assert.ok(answer.headers['x-cache'], `${target.slice(0, 40)} carries x-cache`);
    }
  }
  const raw = await get(lambda, '/dev/a\u0000b.png');
  assert.equal([raw.status, raw.headers['x-cache']], [400, 'Error from cloudfront'], 'a raw NUL in the request line is a bad request');
});

hostile('a URL of 8,192 characters or more is CloudFront\'s own 414, before any function runs', async ({ lambda, cff }) => {
  for (const edge of [lambda, cff]) {
    for (const base of ['/dev/thumbnail.png?w=10&x=', '/thumbnail.png?x=']) {
      const at = await get(edge, base + 'y'.repeat(8192 - base.length));
      assert.equal([at.status, at.headers['x-cache']], [414, 'Error from cloudfront'], `${base}… of 8192`);
      const under = await get(edge, base + 'y'.repeat(8191 - base.length));
      assert.ok(under.status !== 414 && under.status < 500, `${base}… of 8191: ${under.status} ${under.headers['x-cache']}`);
    }
  }
});

hostile('over 20,480 bytes of request line and headers is a CloudFront answer with x-cache, at 21 KB and at 70 KB', async ({ lambda }) => {
  for (const size of [16 * 1024, 21 * 1024, 70 * 1024]) {
    const answer = await get(lambda, '/dev/thumbnail.png?w=10', [['X-Padding', 'p'.repeat(size)]]);
    if (size < 20000) assert.is(answer.status, 200, `${size} bytes are within CloudFront's limit`);
    else assert.equal([answer.status, answer.headers['x-cache']], [413, 'Error from cloudfront'], `${size} bytes`);
  }
});

hostile('If-Modified-Since equal to Last-Modified is 304', async ({ lambda }) => {
  const full = await get(lambda, '/thumbnail.png');
  const lastModified = full.headers['last-modified'];
  assert.ok(lastModified, 'S3 sends Last-Modified');
  const conditional = await get(lambda, '/thumbnail.png', [['If-Modified-Since', lastModified]]);
  assert.equal([conditional.status, conditional.body.length], [304, 0]);
  const older = await get(lambda, '/thumbnail.png', [['If-Modified-Since', new Date(Date.parse(lastModified) - 1000).toUTCString()]]);
  assert.is(older.status, 200);
});

hostile('a preflight is answered as the bucket\'s CORS rule answers it: DELETE is 403', async ({ lambda }) => {
  const ask = (method: string) => get(lambda, '/dev/thumbnail.png?w=90', [['Origin', 'https://site.example'], ['Access-Control-Request-Method', method]], 'OPTIONS');
  assert.is((await ask('GET')).status, 200);
  assert.is((await ask('HEAD')).status, 200);
  for (const method of ['DELETE', 'PUT', 'POST']) {
    const refused = await ask(method);
    assert.equal([refused.status, refused.headers['x-cache']], [403, 'Error from cloudfront'], method);
    assert.match(refused.body.toString(), /<Code>AccessForbidden<\/Code>/);
  }
});

hostile('CONNECT and other methods the distribution does not allow get CloudFront\'s 403, never a closed socket', async ({ lambda }) => {
  for (const [method, target] of [['CONNECT', '127.0.0.1:443'], ['DELETE', '/dev/thumbnail.png'], ['PATCH', '/thumbnail.png'], ['TRACE', '/thumbnail.png']]) {
    const answer = await get(lambda, target, [], method);
    assert.equal([answer.status, answer.headers['x-cache']], [403, 'Error from cloudfront'], method);
  }
});

hostile('the local edge logged no error of its own', ({ logs }) => {
  assert.equal(logs.filter((line) => line.startsWith('local edge error')), []);
});

hostile.run();
