// The pipeline on its own: no sockets, no S3, no bundles. The origin, the functions, the cache
// and the clock are passed in, so cache lifetimes are checked on a clock the test moves.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EdgeCache } from '../../../infra/local/cache';
import { distributionPolicies } from '../../../infra/local/distribution';
import type { Invocation } from '../../../infra/local/functions';
import { createPipeline, type Origin, type Pipeline } from '../../../infra/local/pipeline';
import type { OriginAnswer } from '../../../infra/local/s3-origin';
import { configWith } from '../../helpers/config';

interface Context {
  pipeline: Pipeline;
  clock: { now: number };
  originGets: string[];
  resizes: number;
  viewerRuns: string[];
}

const pipeline = suite<Context>('local edge pipeline', {} as Context);

/** An origin of two small objects in memory: the pipeline's view of S3. */
function memoryOrigin(gets: string[]): Origin {
  return {
    domainName: 'originals.s3.us-east-1.amazonaws.com',
    region: 'us-east-1',
    async get(uri): Promise<OriginAnswer> {
      gets.push(uri);
      if (uri === '/dev/a.png' || uri === '/a.txt') {
        return { status: 200, statusDescription: 'OK', headers: { 'content-type': [uri.endsWith('.png') ? 'image/png' : 'text/plain'], 'cache-control': ['max-age=60'] }, body: Buffer.from('original') };
      }
      return { status: 404, statusDescription: 'Not Found', headers: { 'content-type': ['application/xml'] }, body: Buffer.from('<Error><Code>NoSuchKey</Code></Error>') };
    },
  };
}

pipeline.before.each((context) => {
  context.clock = { now: Date.UTC(2026, 0, 1) };
  context.originGets = [];
  context.resizes = 0;
  context.viewerRuns = [];
  const config = configWith();
  context.pipeline = createPipeline({
    config,
    policies: distributionPolicies(config),
    // The viewer function lets every request through unchanged.
    viewerFunction: { runtime: 'lambda-edge', run: async (request) => { context.viewerRuns.push(request.uri); return { kind: 'request', request: { uri: request.uri, querystring: request.querystring, headers: {} } }; } },
    // The origin function replaces the body, keeping the origin's headers.
    originFunction: {
      invoke: async (event): Promise<Invocation> => {
        context.resizes++;
        const response = (event as { Records: Array<{ cf: { response: { status: string; headers: unknown } } }> }).Records[0].cf.response;
        return { outcome: 'result', result: { ...response, body: 'resized', bodyEncoding: 'text' } };
      },
    },
    originTimeoutMs: 1000,
    origin: memoryOrigin(context.originGets),
    cache: new EdgeCache(),
    now: () => context.clock.now,
    requestId: () => 'test-request',
    domainName: 'localhost',
    log: () => undefined,
  });
});

const get = (context: Context, target: string, headers: Array<[string, string]> = []) => context.pipeline.handle({ method: 'GET', target, headers, clientIp: '127.0.0.1' });

pipeline('a miss runs the origin and the origin function; the answer is kept for the origin\'s max-age on the injected clock', async (context) => {
  const first = await get(context, '/dev/a.png?w=10');
  assert.equal([first.status, first.headers['x-cache'], first.body.toString()], [200, ['Miss from cloudfront'], 'resized']);
  context.clock.now += 59_000;
  const hit = await get(context, '/dev/a.png?w=10');
  assert.equal([hit.headers['x-cache'], hit.headers.age], [['Hit from cloudfront'], ['59']]);
  context.clock.now += 1_000;
  assert.equal((await get(context, '/dev/a.png?w=10')).headers['x-cache'], ['Miss from cloudfront'], 'expired at max-age');
  assert.equal([context.originGets, context.resizes], [['/dev/a.png', '/dev/a.png'], 2]);
});

pipeline('the default behaviour runs the viewer function but not the origin one, and HEAD and 304 answers carry no body', async (context) => {
  const plain = await get(context, '/a.txt?w=10');
  assert.equal([plain.status, plain.body.toString(), context.resizes, context.viewerRuns], [200, 'original', 0, ['/a.txt']]);
  const head = await context.pipeline.handle({ method: 'HEAD', target: '/a.txt', headers: [], clientIp: '127.0.0.1' });
  assert.equal([head.status, head.body.length, head.headers['content-length']], [200, 0, ['8']]);
});

pipeline('what CloudFront refuses never reaches the origin', async (context) => {
  assert.is((await get(context, '/dev/a.png?x=' + 'y'.repeat(8200))).status, 414);
  assert.is((await get(context, '/dev/a.png', [['X-Padding', 'p'.repeat(21000)]])).status, 413);
  assert.is((await context.pipeline.handle({ method: 'POST', target: '/dev/a.png', headers: [], clientIp: '127.0.0.1' })).status, 403);
  assert.equal(context.originGets, []);
});

/** A pipeline over `origin` whose origin function passes every origin response through untouched. */
function passingPipeline(origin: Origin, log: string[]): Pipeline {
  const config = configWith();
  return createPipeline({
    config,
    policies: distributionPolicies(config),
    viewerFunction: { runtime: 'lambda-edge', run: async (request) => ({ kind: 'request', request: { uri: request.uri, querystring: request.querystring, headers: {} } }) },
    originFunction: { invoke: async (event): Promise<Invocation> => ({ outcome: 'result', result: (event as { Records: Array<{ cf: { response: unknown } }> }).Records[0].cf.response }) },
    originTimeoutMs: 1000,
    origin,
    cache: new EdgeCache(),
    now: () => Date.UTC(2026, 0, 1),
    requestId: () => 'test-request',
    domainName: 'localhost',
    log: (line) => log.push(line),
  });
}

pipeline('under a resizing behaviour no 2xx body is read before the origin function runs; a passed-through one is read after it, the same ETag or an origin error', async (context) => {
  const gets: Array<{ uri: string; headersOnly?: boolean; ifMatch?: string }> = [];
  let version = 'v1';
  const origin: Origin = {
    domainName: 'originals.s3.us-east-1.amazonaws.com',
    region: 'us-east-1',
    async get(uri, options = {}): Promise<OriginAnswer> {
      gets.push({ uri, ...options });
      const etag = `"${version}"`;
      // The original is replaced between the two reads of the second request.
      if (options.headersOnly && uri === '/dev/b.png') version = 'v2';
      return { status: 200, statusDescription: 'OK', headers: { 'content-type': ['image/png'], etag: [etag] }, body: options.headersOnly ? Buffer.alloc(0) : Buffer.from(`original ${etag}`) };
    },
  };
  // The resizing function (the before.each pipeline's) never makes the edge read a body.
  await get(context, '/dev/a.png?w=10');
  assert.equal(context.originGets, ['/dev/a.png']);
  const log: string[] = [];
  const passing = passingPipeline(origin, log);
  const passed = await passing.handle({ method: 'GET', target: '/dev/a.png?w=10', headers: [], clientIp: '127.0.0.1' });
  assert.equal([passed.status, passed.body.toString()], [200, 'original "v1"']);
  assert.equal(gets, [{ uri: '/dev/a.png', headersOnly: true }, { uri: '/dev/a.png', ifMatch: '"v1"' }]);
  const changed = await passing.handle({ method: 'GET', target: '/dev/b.png?w=10', headers: [], clientIp: '127.0.0.1' });
  assert.is(changed.status, 502);
  assert.match(log.join('\n'), /the original changed while the function ran: .* "v2" instead of 200 "v1"/);
});

pipeline.run();
