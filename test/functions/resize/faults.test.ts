// Faults and give-ups. FAULT INJECTION: a loopback HTTP proxy in front of s3rver that fails
// (403, 500) or stalls (5 s) the resizer's own GETs while the origin had answered 200 — the
// one fault here that cannot be produced for real. Also: the runaway avif encode of a large
// noisy source, which must be bounded before it starts, and the config `fallback` image.
import type { CloudFrontResultResponse } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHandler } from '../../../functions/resize/index';
import { deadlineMs } from '../../../functions/resize/deadline';
import { pixelBudget } from '../../../functions/resize/budget';
import { resizerConfig } from '../../../functions/resize/runtime-config';
import { S3_MAX_ATTEMPTS } from '../../../functions/resize/source';
import { configWith } from '../../helpers/config';
import { originResponse } from '../../helpers/events';
import { decode, gradient, noise } from '../../helpers/images';
import { startS3, type LocalS3 } from '../../helpers/s3';

const BUCKET = 'faults-bucket';
type Fault = 'none' | 403 | 500 | 'stall';

interface Context { s3: LocalS3; proxy: Server; proxyUrl: string; fault: Fault; gets: number; logs: string[] }
const faults = suite<Context>('resize: faults (fault injection: S3 proxy)', {} as never);
const consoleLog = console.log;

const S3_ERROR_CODES: Record<number, string> = { 403: 'AccessDenied', 500: 'InternalError' };

/** Forwards to s3rver, or fails or stalls each request, as `context.fault` says. */
function startProxy(context: Context): Promise<void> {
  const target = new URL(context.s3.endpoint);
  context.proxy = createServer((req, res) => {
    context.gets++;
    const fault = context.fault;
    if (fault === 403 || fault === 500) {
      res.writeHead(fault, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${S3_ERROR_CODES[fault]}</Code><Message>injected</Message></Error>`);
      return;
    }
    const forward = () => {
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode || 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (fault === 'stall') setTimeout(() => { if (!res.destroyed) forward(); }, 5000).unref();
    else forward();
  });
  return new Promise((resolve) => context.proxy.listen(0, '127.0.0.1', () => {
    context.proxyUrl = `http://127.0.0.1:${(context.proxy.address() as AddressInfo).port}`;
    resolve();
  }));
}

faults.before(async (context) => {
  context.s3 = await startS3();
  await context.s3.createBucket(BUCKET);
  await context.s3.put(BUCKET, 'prod/photo.jpg', await gradient(400, 300), 'image/jpeg');
  await context.s3.put(BUCKET, 'prod/broken.jpg', 'not an image', 'image/jpeg');
  await context.s3.put(BUCKET, 'prod/fallback.png', await gradient(200, 100, 'png'), 'image/png');
  await context.s3.put(BUCKET, 'prod/noisy.jpg', await noise(2000, 2000, 'jpeg'), 'image/jpeg');
  await context.s3.put(BUCKET, 'prod/real-photo.jpg', readFileSync(new URL('../../../examples/bucket/dev/photo.jpg', import.meta.url)), 'image/jpeg');
  context.fault = 'none';
  context.gets = 0;
  await startProxy(context);
  context.logs = [];
  console.log = (...args: unknown[]) => { context.logs.push(args.join(' ')); };
});

faults.after(async (context) => {
  console.log = consoleLog;
  context.proxy?.closeAllConnections();
  await new Promise((resolve) => context.proxy ? context.proxy.close(resolve) : resolve(undefined));
  await context.s3?.stop();
});

function handlerFor(context: Context, overrides: Record<string, unknown> = {}, viaProxy = true) {
  const config = configWith(overrides);
  return { config, handler: createHandler(resizerConfig(config, { ...context.s3.resizerS3, endpoint: viaProxy ? context.proxyUrl : context.s3.endpoint, bucket: BUCKET })) };
}

function header(result: CloudFrontResultResponse, name: string): string | undefined {
  return result.headers?.[name]?.[0]?.value;
}

const FAULTS: Array<{ fault: Fault; gets: number[] }> = [
  { fault: 403, gets: [1] },
  { fault: 500, gets: [S3_MAX_ATTEMPTS] },
  { fault: 'stall', gets: [1, S3_MAX_ATTEMPTS] },
];

for (const { fault, gets } of FAULTS) {
  faults(`fault injection: the resizer's S3 GET answered ${fault} (origin said 200): the original, uncached, within the deadline`, async (context) => {
    const { config, handler } = handlerFor(context);
    context.fault = fault;
    context.gets = 0;
    const event = originResponse({ uri: '/prod/photo.jpg', querystring: 'w=100&f=webp', contentType: 'image/jpeg' });
    const before = JSON.parse(JSON.stringify(event.Records[0].cf.response));
    const started = performance.now();
    const result = (await handler(event)) as CloudFrontResultResponse;
    const ms = performance.now() - started;
    context.fault = 'none';
    assert.ok(ms < deadlineMs(config) + 500, `answered in ${Math.round(ms)} ms, deadline ${deadlineMs(config)} ms`);
    assert.is(result.status, '200');
    assert.is(result.body, undefined, 'the origin body (the original) passes through');
    assert.is(header(result, 'cache-control'), 'no-store');
    assert.is(header(result, 'content-type'), before.headers['content-type'][0].value);
    assert.ok(gets.includes(context.gets), `${context.gets} GETs`);
    assert.is(JSON.parse(context.logs[context.logs.length - 1]).outcome, 'fallback-error');
  });
}

faults('fault injection: a stall longer than the deadline is cut at the deadline', async (context) => {
  const { config, handler } = handlerFor(context, { deploy: { resizeTimeoutSeconds: 3 } });
  context.fault = 'stall';
  const started = performance.now();
  const result = (await handler(originResponse({ uri: '/prod/photo.jpg', querystring: 'w=100&f=webp', contentType: 'image/jpeg' }))) as CloudFrontResultResponse;
  const ms = performance.now() - started;
  context.fault = 'none';
  assert.ok(ms < deadlineMs(config) + 500 && ms < 3000, `answered in ${Math.round(ms)} ms`);
  assert.is(header(result, 'cache-control'), 'no-store');
  assert.match(JSON.parse(context.logs[context.logs.length - 1]).reason, /deadline of 2000 ms passed|aborted/i);
});

faults('the runaway encode: ?w=2000&f=avif of a 2000x2000 noisy JPEG ends inside the timeout and leaves nothing running', async (context) => {
  // Uncapped, this avif encode takes about 45 CPU-seconds that nothing can interrupt.
  const { config, handler } = handlerFor(context, { deploy: { resizeTimeoutSeconds: 5 } }, false);
  const started = performance.now();
  const result = (await handler(originResponse({ uri: '/prod/noisy.jpg', querystring: 'w=2000&f=avif', contentType: 'image/jpeg' }))) as CloudFrontResultResponse;
  const ms = performance.now() - started;
  assert.ok(ms < config.deploy.resizeTimeoutSeconds * 1000, `answered in ${Math.round(ms)} ms`);
  const line = JSON.parse(context.logs[context.logs.length - 1]);
  assert.is(line.capped, '2000x2000', 'the output was capped before encoding');
  if (result.body !== undefined) {
    const decoded = await decode(Buffer.from(result.body, 'base64'));
    assert.is(decoded.format, 'avif');
    assert.is(decoded.width, decoded.height, 'aspect kept');
    assert.ok(decoded.width * decoded.height <= pixelBudget('avif', deadlineMs(config), config), `${decoded.width}x${decoded.height}`);
  } else {
    // A machine too busy to finish even the capped encode in time: the original, uncached.
    assert.is(header(result, 'cache-control'), 'no-store');
  }
  // Whatever was still running when the answer went must end within the budget's worst case.
  const quietBy = performance.now() + deadlineMs(config);
  let quiet = false;
  while (!quiet && performance.now() < quietBy) {
    const cpu = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const used = process.cpuUsage(cpu);
    quiet = (used.user + used.system) / 1000 < 150;
  }
  assert.ok(quiet, 'the process still burns CPU after the answer');
});

faults('an ordinary photo at ?w=1024&f=avif is not capped: its low density buys it the budget noise does not get', async (context) => {
  const { handler } = handlerFor(context, {}, false);
  const result = (await handler(originResponse({ uri: '/prod/real-photo.jpg', querystring: 'w=1024&f=avif', contentType: 'image/jpeg' }))) as CloudFrontResultResponse;
  const line = JSON.parse(context.logs[context.logs.length - 1]);
  assert.is(line.capped, undefined, JSON.stringify(line));
  assert.ok(result.body !== undefined, JSON.stringify(line));
  const decoded = await decode(Buffer.from(result.body!, 'base64'));
  assert.is(decoded.format, 'avif');
  assert.is(decoded.width, 1024);
  assert.is(decoded.height, 683);
});

faults('config fallback: a missing original (S3 404) gets the fallback image, resized, still 404, with the error TTL', async (context) => {
  const { config, handler } = handlerFor(context, { fallback: 'prod/fallback.png' }, false);
  const result = (await handler(originResponse({ uri: '/prod/missing.jpg', querystring: 'w=50&f=webp', status: '404', contentType: 'application/xml' }))) as CloudFrontResultResponse;
  assert.is(result.status, '404');
  assert.is(header(result, 'content-type'), 'image/webp');
  assert.is(header(result, 'cache-control'), config.errorCacheControl);
  const decoded = await decode(Buffer.from(result.body!, 'base64'));
  assert.equal([decoded.format, decoded.width, decoded.height], ['webp', 50, 25]);
});

faults('config fallback: an undecodable original gets the fallback image, still 422', async (context) => {
  const { config, handler } = handlerFor(context, { fallback: 'prod/fallback.png' }, false);
  const result = (await handler(originResponse({ uri: '/prod/broken.jpg', querystring: 'w=40&f=png', contentType: 'image/jpeg' }))) as CloudFrontResultResponse;
  assert.is(result.status, '422');
  assert.is(header(result, 'cache-control'), config.errorCacheControl);
  const decoded = await decode(Buffer.from(result.body!, 'base64'));
  assert.equal([decoded.format, decoded.width, decoded.height], ['png', 40, 20]);
});

for (const [label, fallback] of [['missing', 'prod/no-such-fallback.png'], ['undecodable', 'prod/broken.jpg']]) faults(`config fallback: a fallback image that is itself ${label} leaves the 404 and the 422 as they were`, async (context) => {
  const { handler } = handlerFor(context, { fallback }, false);
  const event = originResponse({ uri: '/prod/missing.jpg', querystring: 'w=50&f=webp', status: '404', contentType: 'application/xml' });
  const before = JSON.parse(JSON.stringify(event.Records[0].cf.response));
  assert.equal(await handler(event), before);
  const broken = (await handler(originResponse({ uri: '/prod/broken.jpg', querystring: 'w=40&f=png', contentType: 'image/jpeg' }))) as CloudFrontResultResponse;
  assert.is(broken.status, '422');
  assert.match(broken.body!, /^source must be a decodable JPEG/);
});

faults('without a fallback a 404 passes through untouched, and a bare URL never gets the fallback', async (context) => {
  for (const [overrides, query] of [[{}, 'w=50&f=webp'], [{ fallback: 'prod/fallback.png' }, '']] as const) {
    const { handler } = handlerFor(context, overrides, false);
    const event = originResponse({ uri: '/prod/missing.jpg', querystring: query, status: '404', contentType: 'application/xml' });
    const before = JSON.parse(JSON.stringify(event.Records[0].cf.response));
    assert.equal(await handler(event), before);
  }
});

faults('a broken original asked for again is refused from memory: no S3 GET, nothing decoded, until its ETag changes', async (context) => {
  const { handler } = handlerFor(context);
  const ask = async (etag: string) => {
    context.gets = 0;
    const event = originResponse({ uri: '/prod/broken.jpg', querystring: 'w=40&f=png', contentType: 'image/jpeg' });
    event.Records[0].cf.response.headers.etag = [{ key: 'ETag', value: etag }];
    const result = (await handler(event)) as CloudFrontResultResponse;
    return { result, gets: context.gets, line: JSON.parse(context.logs[context.logs.length - 1]) };
  };
  const first = await ask('"v1"');
  const again = await ask('"v1"');
  const fixed = await ask('"v2"');
  assert.equal([first.result.status, first.gets], ['422', 1]);
  assert.equal([again.result.status, again.gets, again.result.body], ['422', 0, first.result.body]);
  assert.is(again.line.ms.fetch, undefined, 'not fetched');
  assert.is(fixed.gets, 1, 'a new version of the original is fetched');
});

faults('the fallback image is resized once per query and container, then served from memory', async (context) => {
  const { handler } = handlerFor(context, { fallback: 'prod/fallback.png' });
  const results = [];
  for (const uri of ['/prod/missing-1.jpg', '/prod/missing-2.jpg']) {
    context.gets = 0;
    const result = (await handler(originResponse({ uri, querystring: 'w=30&f=webp', status: '404', contentType: 'application/xml' }))) as CloudFrontResultResponse;
    results.push({ status: result.status, gets: context.gets, width: (await decode(Buffer.from(result.body!, 'base64'))).width });
  }
  assert.equal(results, [{ status: '404', gets: 1, width: 30 }, { status: '404', gets: 0, width: 30 }]);
});

faults('the ETag is strong and derived from the output bytes', async (context) => {
  const { handler } = handlerFor(context, {}, false);
  const run = async (query: string) => (await handler(originResponse({ uri: '/prod/photo.jpg', querystring: query, contentType: 'image/jpeg' }))) as CloudFrontResultResponse;
  const [a, again, b] = [await run('w=100&f=webp'), await run('w=100&f=webp'), await run('w=101&f=webp')];
  const etag = header(a, 'etag')!;
  assert.match(etag, /^"[A-Za-z0-9_-]{27}"$/, 'strong (no W/), quoted');
  assert.is(header(again, 'etag'), etag, 'same output, same validator');
  assert.is.not(header(b, 'etag'), etag);
});

faults.run();
