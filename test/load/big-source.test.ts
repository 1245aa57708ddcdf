// npm run test:big (issue 15 item 5; a process of its own, run by CI after npm run test:load):
// 64 concurrent misses of one 30 MB original through the local edge, each for a different
// variant (so CloudFront's collapsing of identical misses does not apply): every answer is a 200 with a decoded thumbnail of the width asked for, none is the
// original sent in place of a thumbnail, no resizer instance goes over deploy.resizeMemoryMb, and
// the edge's main process (this one: the pipeline, the cache and the embedded s3rver) never
// holds the originals' bodies: its peak resident memory during the run stays within
// MAIN_PEAK_GROWTH_BYTES of what it held before, far below one body per miss (64 x 30 MB).
// The source is generated here (noise, stored PNG), never copied from the corpus.
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import sharp from 'sharp';
import v8 from 'node:v8';
import vm from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLocalEdge, type LocalEdge } from '../../infra/local/edge';
import { S3RVER_CREDENTIALS, startEmbeddedS3, type EmbeddedS3 } from '../../infra/local/s3-server';
import { configWith } from '../helpers/config';

export const MISSES = 64;
/** Side of the noise source: 3,200 x 3,200 RGB, stored uncompressed, is a 30.7 MB PNG. */
const SIDE = 3200;
/**
 * What the main process may add to its resident memory at its peak during the run, over what it
 * held just before: the 64 thumbnails, the invocation results in flight (base64), s3rver's read
 * buffers for the instances' GETs and the allocator's slack. Holding the originals' bodies (as
 * the local edge did, issue 15: 3.4 GB peak) is 64 x 30.7 MB = 1.9 GB; even two of them would
 * show. Measured: see the printed line (docs/local-edge.md, "Big sources under concurrency").
 */
export const MAIN_PEAK_GROWTH_BYTES = 48 * 1024 * 1024;

const BUCKET = 'big-originals';
const KEY = 'dev/big-noise.png';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

function status(field: 'VmRSS' | 'VmHWM'): number {
  const text = readFileSync('/proc/self/status', 'utf8');
  return Number((new RegExp(`${field}:\\s+(\\d+) kB`).exec(text) || [])[1] || 0) * 1024;
}

/** Linux: writing 5 to clear_refs resets the peak resident size (VmHWM) to the current one. */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch (_) {
    return false;
  }
}

function get(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode || 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - started }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

const mb = (bytes: number) => (bytes / 1048576).toFixed(0);

const big = suite<{ s3?: EmbeddedS3; edge?: LocalEdge; sourceBytes: number; sourcePrefix?: Buffer }>('big source under concurrency', { sourceBytes: 0 });

big.before(async (context) => {
  const s3 = await startEmbeddedS3();
  context.s3 = s3;
  let source: Buffer | undefined = await sharp(randomBytes(SIDE * SIDE * 3), { raw: { width: SIDE, height: SIDE, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
  context.sourceBytes = source.length;
  context.sourcePrefix = Buffer.from(source.subarray(0, 4096));
  await s3.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: source, ContentType: 'image/png' }));
  source = undefined;
  context.edge = await createLocalEdge({
    config: configWith(),
    s3: { endpoint: s3.endpoint, bucket: BUCKET, region: 'us-east-1', credentials: S3RVER_CREDENTIALS },
    port: 0,
    log: () => undefined,
  });
});

big.after(async (context) => {
  await context.edge?.close();
  await context.s3?.stop();
});

big(`${MISSES} concurrent misses of a 30 MB original: every answer a decoded thumbnail, no original instead, main process RSS bounded`, async (context) => {
  const edge = context.edge!;
  assert.ok(context.sourceBytes > 30_000_000, `the source is ${context.sourceBytes} bytes`);
  // One instance warm, so what follows measures the run rather than the first fork.
  const warm = await get(`${edge.url}/${KEY}?w=32&f=webp`);
  assert.is(warm.status, 200, `warm-up: ${warm.status} ${warm.body.subarray(0, 200).toString()}`);
  collectGarbage();
  const before = status('VmRSS');
  const peakReset = existsSync('/proc/self/clear_refs') && resetPeak();
  let sampledPeak = before;
  // The instances' resident memory too (each is held to deploy.resizeMemoryMb by the pool itself).
  let instancesPeak = 0;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, status('VmRSS'));
    instancesPeak = Math.max(instancesPeak, edge.pool()?.residentBytes || 0);
  }, 20);
  const started = performance.now();
  const widths = Array.from({ length: MISSES }, (_, i) => 64 + i);
  const answers = await Promise.all(widths.map((w) => get(`${edge.url}/${KEY}?w=${w}&f=webp`)));
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  const peak = Math.max(sampledPeak, peakReset ? status('VmHWM') : 0);
  collectGarbage();
  const after = status('VmRSS');
  const pool = edge.pool();

  const problems: string[] = [];
  for (const [i, answer] of answers.entries()) {
    const w = widths[i];
    if (answer.status !== 200) { problems.push(`w=${w}: ${answer.status} ${answer.headers['x-cache']} ${answer.body.subarray(0, 300).toString()}`); continue; }
    if (answer.body.length >= context.sourceBytes || answer.body.subarray(0, 64).equals(context.sourcePrefix!.subarray(0, 64))) { problems.push(`w=${w}: the original's ${answer.body.length} bytes instead of a thumbnail (${answer.headers['cache-control']})`); continue; }
    const meta = await sharp(answer.body).metadata();
    if (meta.format !== 'webp' || meta.width !== w || meta.height !== w) problems.push(`w=${w}: decoded as ${meta.format} ${meta.width}x${meta.height}`);
  }
  const times = answers.map((a) => a.ms).sort((a, b) => a - b);
  process.stdout.write([
    `\n  big source: ${MISSES} concurrent misses of a ${(context.sourceBytes / 1e6).toFixed(1)} MB PNG (${SIDE}x${SIDE} noise), ${pool ? `${pool.size} resizer instances` : 'in-process resizer'}`,
    `  wall ${(wallMs / 1000).toFixed(1)} s; answer times median ${(times[times.length >> 1] / 1000).toFixed(1)} s, max ${(times[times.length - 1] / 1000).toFixed(1)} s`,
    `  main process RSS MB: before ${mb(before)}, peak ${mb(peak)} (+${mb(peak - before)}; ${peakReset ? 'VmHWM reset before the run, and sampled every 20 ms' : 'sampled every 20 ms'}), after ${mb(after)}`,
    `  resizer instances: all together peaked at ${mb(instancesPeak)} MB resident (each limited to ${configWith().deploy.resizeMemoryMb} MB); killed for memory: ${pool ? pool.outOfMemory : 'n/a'}; statuses: ${[...new Set(answers.map((a) => a.status))].join(', ')}`,
    '',
  ].join('\n'));
  assert.equal(problems, [], problems.join('\n'));
  assert.is(pool && pool.outOfMemory, 0, 'a resizer instance went over deploy.resizeMemoryMb');
  assert.ok(peak - before <= MAIN_PEAK_GROWTH_BYTES, `the main process's RSS peaked ${mb(peak - before)} MB above its ${mb(before)} MB before the run (bound ${mb(MAIN_PEAK_GROWTH_BYTES)} MB)`);
  assert.ok(after - before <= MAIN_PEAK_GROWTH_BYTES, `the main process kept ${mb(after - before)} MB after the run`);
});

big.run();
