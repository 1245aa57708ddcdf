// An overrun costs once (issue 15): the three URLs an attacker tried, each asked twice of one
// container over s3rver. A repeat either never reaches the resizer (the first answer was
// cacheable, so CloudFront answers it) or is answered from the container's memory: no S3 GET,
// nothing decoded. Also the budget's pieces, pure.
import type { CloudFrontResultResponse } from 'aws-lambda';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ANIMATED_GIF_SOURCE_PIXELS_PER_CPU_SECOND, encodeSeconds, overrunPredicted, pipelineCosts, pixelBudget, sourceComplexity } from '../../../functions/resize/budget';
import { DEADLINE_ERROR, deadlineMs, isOverrun, predictedOverrun, startDeadline } from '../../../functions/resize/deadline';
import { createHandler } from '../../../functions/resize/index';
import { resizerConfig } from '../../../functions/resize/runtime-config';
import type { TransformPlan } from '../../../shared/plan';
import { configWith } from '../../helpers/config';
import { originResponse } from '../../helpers/events';
import { decode, noise, noiseAnimation, tiledNoise } from '../../helpers/images';
import { startS3, type LocalS3 } from '../../helpers/s3';

const BUCKET = 'overrun-bucket';
interface Context { s3: LocalS3; logs: string[] }
const overrun = suite<Context>('resize: an overrun costs once', {} as never);
const consoleLog = console.log;
// A 5 s function (4 s deadline) keeps the suite short; the URLs are the issue's, scaled to it.
const config = configWith({ deploy: { resizeTimeoutSeconds: 5 } });

overrun.before(async (context) => {
  context.s3 = await startS3();
  await context.s3.createBucket(BUCKET);
  await context.s3.put(BUCKET, 'prod/frames.webp', await noiseAnimation(200, 200, 200), 'image/webp');
  await context.s3.put(BUCKET, 'prod/noise.jpg', await noise(2000, 2000, 'jpeg'), 'image/jpeg');
  await context.s3.put(BUCKET, 'prod/tiled.png', await tiledNoise(2048, 2048), 'image/png');
  context.logs = [];
  console.log = (...args: unknown[]) => { context.logs.push(args.join(' ')); };
});

overrun.after(async (context) => {
  console.log = consoleLog;
  await context.s3?.stop();
});

const URLS: Array<[string, string, string]> = [
  ['/prod/frames.webp', 'f=gif&w=97', 'image/webp'],
  ['/prod/noise.jpg', 'sharpen=10&w=2000', 'image/jpeg'],
  ['/prod/tiled.png', 'f=gif&w=2048', 'image/png'],
];

function header(result: CloudFrontResultResponse, name: string): string | undefined {
  return result.headers?.[name]?.[0]?.value;
}

for (const [uri, query, contentType] of URLS) {
  overrun(`${uri}?${query}: within the deadline, and a repeat is a CloudFront hit or answered from memory without S3 or sharp`, async (context) => {
    const handler = createHandler(resizerConfig(config, { ...context.s3.resizerS3, bucket: BUCKET }));
    const ask = async () => {
      const event = originResponse({ uri, querystring: query, contentType });
      event.Records[0].cf.response.headers.etag = [{ key: 'ETag', value: '"v1"' }];
      const started = performance.now();
      const result = (await handler(event)) as CloudFrontResultResponse;
      return { result, ms: performance.now() - started, line: JSON.parse(context.logs[context.logs.length - 1]) };
    };
    const first = await ask();
    assert.ok(first.ms < config.deploy.resizeTimeoutSeconds * 1000, `${Math.round(first.ms)} ms`);
    if (header(first.result, 'cache-control') !== 'no-store') {
      // Cacheable: CloudFront keeps it for the key, so the resizer never sees the repeat.
      assert.is(first.result.status, '200');
      if (first.result.body !== undefined) assert.ok((await decode(Buffer.from(first.result.body, 'base64'))).width > 0);
      return;
    }
    assert.is(first.line.outcome, 'fallback-error');
    assert.match(first.line.reason, /overrun predicted|deadline of \d+ ms passed during encode|timeout/);
    const second = await ask();
    assert.is(second.result.status, first.result.status);
    assert.is(header(second.result, 'cache-control'), 'no-store');
    assert.is(second.result.body, first.result.body, 'the same answer: the original passes through');
    assert.match(second.line.reason, /^overrun remembered: /);
    assert.is(second.line.ms.fetch, undefined, 'no S3 GET');
    assert.is(second.line.ms.transform, undefined, 'nothing decoded');
  });
}

overrun('a 200-frame noise WebP as gif is answered at once: its frames alone overrun, whatever the size', async (context) => {
  const handler = createHandler(resizerConfig(config, { ...context.s3.resizerS3, bucket: BUCKET }));
  const event = originResponse({ uri: '/prod/frames.webp', querystring: 'f=gif&w=16', contentType: 'image/webp' });
  event.Records[0].cf.response.headers.etag = [{ key: 'ETag', value: '"v2"' }];
  const result = (await handler(event)) as CloudFrontResultResponse;
  const line = JSON.parse(context.logs[context.logs.length - 1]);
  assert.is(header(result, 'cache-control'), 'no-store');
  assert.match(line.reason, /^overrun predicted: 200 frames of 200x200 to gif/);
  assert.is(line.ms.transform, undefined, 'nothing rendered');
});

overrun('isOverrun: the deadline during encode, sharp\'s timeout and a prediction are overruns; S3 being slow is not', async () => {
  const deadline = startDeadline(1);
  const encode = await deadline.race(new Promise(() => undefined), 'encode').catch((e: Error) => e) as Error;
  const fetch = await startDeadline(1).race(new Promise(() => undefined), 'fetch').catch((e: Error) => e) as Error;
  assert.is(encode.name, DEADLINE_ERROR);
  assert.ok(isOverrun(encode));
  assert.not.ok(isOverrun(fetch));
  assert.ok(isOverrun(new Error('timeout: 0% complete')));
  assert.ok(isOverrun(predictedOverrun('x')));
  assert.not.ok(isOverrun(new Error('S3 GET of k: no data for 3000 ms')));
  assert.not.ok(isOverrun('timeout'));
});

function plan(format: TransformPlan['format'], transform: Record<string, string> = {}, animated = false, extra: Partial<TransformPlan> = {}): TransformPlan {
  return { transform: { f: format, ...transform }, format, animated, input: { width: 4000, height: 4000 }, ...extra } as TransformPlan;
}

overrun('the budget charges decoding, the geometry pass, edits per output pixel and gif\'s frames', () => {
  const source = { width: 4000, height: 4000 };
  const plain = pipelineCosts(plan('webp'), source, 1, config);
  const sharpened = pipelineCosts(plan('webp', { sharpen: '10' }), source, 1, config);
  const geometry = pipelineCosts(plan('webp', {}, false, { crop: { left: 0, top: 0, width: 10, height: 10 }, rotate: 90 } as Partial<TransformPlan>), source, 1, config);
  assert.ok(plain.fixedSeconds > 0, 'decoding costs');
  assert.ok(geometry.fixedSeconds > plain.fixedSeconds, 'a geometry pass costs');
  assert.ok(sharpened.editSecondsPerPixel > 0 && plain.editSecondsPerPixel === 0);
  assert.ok(pixelBudget('webp', deadlineMs(config), config, 1, sharpened) < pixelBudget('webp', deadlineMs(config), config, 1, plain), 'sharpen leaves fewer pixels');
  assert.ok(encodeSeconds(1e6, 'webp', false, config, 1, sharpened) > encodeSeconds(1e6, 'webp', false, config, 1, plain));
  const frames = pipelineCosts(plan('gif', {}, true), { width: 200, height: 200 }, 500, config);
  assert.ok(frames.fixedSeconds >= (500 * 200 * 200) / ANIMATED_GIF_SOURCE_PIXELS_PER_CPU_SECOND, 'gif pays for every source frame');
  assert.ok(overrunPredicted(frames, deadlineMs(configWith())), '500 frames to gif overrun even the default 12 s deadline');
  assert.not.ok(overrunPredicted(pipelineCosts(plan('webp', {}, true), { width: 200, height: 200 }, 500, config), deadlineMs(configWith())), 'webp does not');
  assert.not.ok(overrunPredicted(pipelineCosts(plan('gif', {}, true), { width: 8, height: 8 }, 16000, config), deadlineMs(configWith())), '16000 frames of 8x8 do not');
});

overrun('gif gets no density credit: a tiled source is noise again once resized', () => {
  assert.is(sourceComplexity(1_000, 16_000_000, 'gif'), 1);
  assert.ok(sourceComplexity(1_000, 16_000_000, 'avif') < 1);
});

overrun.run();
