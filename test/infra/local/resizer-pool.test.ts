// The resizer as Lambda runs it: instances of one invocation each, the configured memory as a
// hard limit, excess requests queued. Real bundle, real s3rver, a real 24-megapixel source.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLocalEdge, type LocalEdge } from '../../../infra/local/edge';
import type { PoolStats } from '../../../infra/local/resizer-pool';
import { startEmbeddedS3, type EmbeddedS3 } from '../../../infra/local/s3-server';
import { configWith } from '../../helpers/config';
import { decode, gradient } from '../../helpers/images';

const BUCKET = 'local-originals';
const BIG = '/dev/big.jpg';

interface Context {
  s3: EmbeddedS3;
  roomy: LocalEdge;
  tight: LocalEdge;
  logs: string[];
}

const pool = suite<Context>('local edge: resizer pool', { logs: [] } as unknown as Context);

pool.before(async (context) => {
  context.s3 = await startEmbeddedS3();
  await context.s3.client.send(new (await import('@aws-sdk/client-s3')).CreateBucketCommand({ Bucket: BUCKET }));
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  await context.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: BIG.slice(1), Body: await gradient(6000, 4000), ContentType: 'image/jpeg' }));
  await context.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dev/small.jpg', Body: await gradient(300, 200), ContentType: 'image/jpeg' }));
  const log = (line: string) => { context.logs.push(line); };
  const s3 = context.s3.originOptions(BUCKET);
  context.roomy = await createLocalEdge({ config: configWith({ maxInputPixels: 30000000 }), s3, port: 0, log, pool: { size: 2, idleMs: 300 } });
  context.tight = await createLocalEdge({ config: configWith({ maxInputPixels: 30000000, deploy: { resizeMemoryMb: 160 } }), s3, port: 0, log, pool: { size: 1, idleMs: 300 } });
});

pool.after(async (context) => {
  await context.roomy?.close();
  await context.tight?.close();
  await context.s3?.stop();
});

async function settle(edge: LocalEdge): Promise<PoolStats> {
  for (let i = 0; i < 100 && edge.pool()!.running > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return edge.pool()!;
}

pool('many concurrent misses on one big source queue for the instances: no 503, every variant right, memory returned', async ({ roomy }) => {
  const widths = [101, 202, 303, 404, 505, 606, 707, 808, 909, 1010];
  const peak = { queued: 0, busy: 0, running: 0 };
  const sampler = setInterval(() => {
    const now = roomy.pool()!;
    for (const key of ['queued', 'busy', 'running'] as const) peak[key] = Math.max(peak[key], now[key]);
  }, 20);
  const answers = await Promise.all(widths.map(async (width) => {
    const response = await fetch(`${roomy.url}${BIG}?w=${width}&f=webp`);
    return { width, status: response.status, xCache: response.headers.get('x-cache'), body: Buffer.from(await response.arrayBuffer()) };
  }));
  clearInterval(sampler);
  for (const answer of answers) {
    assert.equal([answer.status, answer.xCache], [200, 'Miss from cloudfront'], `w=${answer.width}`);
    assert.is((await decode(answer.body)).width, answer.width);
  }
  assert.ok(peak.queued > 0, 'requests waited for an instance');
  assert.ok(peak.busy <= 2 && peak.running <= 2, `never more instances than the pool holds: ${JSON.stringify(peak)}`);
  const after = await settle(roomy);
  assert.equal([after.running, after.residentBytes], [0, 0], 'idle instances stop and give their memory back');
});

pool('a miss that needs more than deploy.resizeMemoryMb fails as Lambda\'s out-of-memory does, and the next one runs', async ({ tight, logs }) => {
  // JPEG: the resizer's encode budget caps the output least for it, so the 24-megapixel source
  // is decoded at full size (about 72 MB of pixels on top of an idle instance's 100 MB).
  const big = await fetch(`${tight.url}${BIG}?w=6000&f=jpeg`);
  assert.equal([big.status, big.headers.get('x-cache')], [503, 'LambdaExecutionError from cloudfront']);
  assert.match(await big.text(), /Runtime exited with error: signal: killed \(memory used \d+ MB, over deploy\.resizeMemoryMb 160 MB\)/);
  assert.ok(logs.some((line) => line.startsWith('LambdaExecutionError (503) in the origin-response function for /dev/big.jpg?w=6000&f=jpeg')), 'logged');
  assert.is(tight.pool()!.outOfMemory, 1);
  assert.is(tight.pool()!.running, 0, 'the instance was ended');
  const small = await fetch(`${tight.url}/dev/small.jpg?w=100&f=webp`);
  assert.is(small.status, 200, 'a fresh instance serves the next miss');
  assert.is((await decode(Buffer.from(await small.arrayBuffer()))).width, 100);
});

pool('each invocation prints the resizer\'s metrics in a readable line, and the summary counts them', ({ roomy, logs }) => {
  assert.ok(logs.some((line) => /^resizer resized webp q\d+ 101x\d+ · [\d.]+ (KB|MB) → [\d.]+ (B|KB) · .*total \d+ms$/.test(line)), logs.filter((line) => line.startsWith('resizer')).slice(0, 3).join('\n'));
  const summary = roomy.metrics();
  assert.is(summary.variantsMade, 10);
  assert.equal([summary.misses, summary.hits], [10, 0]);
  assert.ok(summary.stages.total.count === 10 && summary.stages.total.p50 > 0 && summary.stages.total.p99 >= summary.stages.total.p50);
});

pool.run();
