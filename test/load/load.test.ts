// npm run test:load (issue 10 §6): 3,000 mixed requests at concurrency 16 through the local
// edge on loopback, both normalizer builds, and both again built with signing on from a
// generated SIGNING_KEYS_FILE: hits, misses, bare URLs, bad, unsigned and badly signed
// requests. Zero unexpected statuses, zero 5xx, every 200 body decodes with sharp (and is the
// size asked for), the run ends within its time bound, and the process's RSS is flat after
// warm-up. The figures are printed (docs/performance.md, "Load").
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import v8 from 'node:v8';
import vm from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EmbeddedS3 } from '../../infra/local/s3-server';
import { SIGNING_KEYS_VARIABLE, signingKeysFromEnv } from '../../scripts/signing-keys';
import { signUrl } from '../../shared/signing';
import { configWith } from '../helpers/config';
import { rawRequest } from '../helpers/http';
import { SAMPLES, startEdgePair, startSampleS3, type EdgePair } from '../helpers/sample-edges';

export const REQUESTS = 3000;
export const CONCURRENCY = 16;
/** The whole run must end within this; on this 2-core machine it takes a fraction of it. */
export const TIME_BOUND_MS = 240_000;
/**
 * RSS samples before this many requests are warm-up. Each resizer instance's resident memory
 * climbs until about 1,100 requests here and then levels off (each miss is a width of its own,
 * growing through the run, and an instance reaches its largest buffers late), with glibc's
 * thresholds as they start and with them raised by functions/resize/allocator.ts alike; with a
 * 500-request warm-up that climb was read as growth (+30 to +59 MB against a 54-56 MB bound,
 * 2026-12-03; docs/performance.md, "Load").
 */
export const WARM_UP_REQUESTS = 1200;
/**
 * "Flat", measured after warm-up with a sample per 100 requests of the resident memory of this
 * process and its resizer instances (child processes), each after a full garbage collection
 * here, less the bytes of the variants the edge's cache has stored since warm-up (a CDN cache is
 * meant to grow with new keys): the mean of the second half of the samples is at most
 * FLAT_RSS_FRACTION of the first sample above the mean of the first half, and this process's
 * JavaScript heap at the end is at most FLAT_HEAP_MB above the heap at the end of warm-up. Native memory (libvips, the
 * allocator's arenas) wanders by a few tens of MB from run to run on this machine; a leak of a
 * decoded source per miss (6 MB for the sample photo) would be hundreds of MB over the run.
 */
export const FLAT_RSS_FRACTION = 0.05;
export const FLAT_HEAP_MB = 16;

type Kind = 'hit' | 'miss' | 'bare' | 'bad' | 'signed' | 'unsigned';
interface Planned {
  readonly kind: Kind;
  readonly edge: number;
  readonly method: string;
  readonly target: string;
  readonly status: number;
  /** 200: the decoded size, or the original's bytes. */
  readonly width?: number;
  readonly original?: string;
}

/** A deterministic pseudo-random sequence, so every run sends the same mix. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const HIT_WIDTHS = [80, 120, 160, 240, 320];
const FORMATS = ['webp', 'png', 'jpeg'];
/** Misses are stored by the edge's cache for the run: small formats, so the cache stays a small part of RSS. */
const MISS_FORMATS = ['webp', 'jpeg'];
const BARE = ['dev/photo.jpg', 'dev/thumbnail.png', 'thumbnail.png', 'prod/thumbnail.png'];
const BAD: ReadonlyArray<[string, string, number]> = [
  ['GET', '/dev/photo.jpg?w=abc', 400], ['GET', '/dev/photo.jpg?f=bmp', 400], ['GET', '/dev/ok.png%00.jpg?w=10', 400],
  ['GET', '/dev/x/..%2Fphoto.jpg?w=5', 400], ['GET', '/dev/missing.jpg?w=10', 404], ['POST', '/dev/photo.jpg?w=10', 403],
  ['DELETE', '/dev/photo.jpg', 403], ['GET', '/dev/photo.jpg?rect=5000,5000,10,10', 422],
];

/** The mix: edges 0 and 1 are the plain builds, 2 and 3 the signing ones. */
function plan(keys: readonly string[], now: number): Planned[] {
  const random = seeded(10);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const out: Planned[] = [];
  // Above every hit width, and with 3,000 requests still under thumbnail.png's 800 px (up to 785).
  let missWidth = 330;
  for (let i = 0; i < REQUESTS; i++) {
    const roll = random();
    const plainEdge = i % 2;
    const signedEdge = 2 + (i % 2);
    if (roll < 0.4) {
      const width = pick(HIT_WIDTHS);
      out.push({ kind: 'hit', edge: plainEdge, method: 'GET', target: `/dev/photo.jpg?w=${width}&f=${pick(FORMATS)}`, status: 200, width });
    } else if (roll < 0.52) {
      const width = missWidth++;
      out.push({ kind: 'miss', edge: plainEdge, method: 'GET', target: `/dev/photo.jpg?w=${width}&f=${pick(MISS_FORMATS)}`, status: 200, width });
    } else if (roll < 0.64) {
      const key = pick(BARE);
      out.push({ kind: 'bare', edge: plainEdge, method: 'GET', target: `/${key}`, status: 200, original: key });
    } else if (roll < 0.76) {
      const [method, target, status] = pick(BAD);
      out.push({ kind: 'bad', edge: plainEdge, method, target, status });
    } else if (roll < 0.9) {
      // Signed: mostly repeats (hits), every fifth a width of its own (a miss), some with exp.
      const width = random() < 0.2 ? missWidth++ : pick(HIT_WIDTHS);
      const url = `/dev/thumbnail.png?w=${width}&f=webp`;
      out.push({ kind: 'signed', edge: signedEdge, method: 'GET', target: signUrl(url, pick(keys), random() < 0.5 ? { expires: now + 3600 } : undefined), status: 200, width });
    } else {
      const width = pick(HIT_WIDTHS);
      const url = `/dev/thumbnail.png?w=${width}&f=webp`;
      const variants = [url, `${url}&sig=${'A'.repeat(43)}`, signUrl(url, keys[0], { expires: now - 60 }), signUrl(url, keys[0]).replace('w=', 'w=1')];
      out.push({ kind: 'unsigned', edge: signedEdge, method: 'GET', target: pick(variants), status: 403 });
    }
  }
  return out;
}

interface Result { readonly planned: Planned; readonly status: number; readonly ms: number; readonly bytes: number; readonly problem?: string }

/**
 * Resident memory of this process and every process under it: the local edge runs the resizer
 * in child processes (its instances, as Lambda does), so they count too. Linux's /proc; elsewhere
 * this process alone.
 */
function treeRss(pid = process.pid): number {
  const status = `/proc/${pid}/status`;
  if (!existsSync(status)) return pid === process.pid ? process.memoryUsage().rss : 0;
  let bytes = 0;
  try {
    bytes = Number((/VmRSS:\s+(\d+) kB/.exec(readFileSync(status, 'utf8')) || [])[1] || 0) * 1024;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/) : []) bytes += treeRss(Number(child));
    }
  } catch (_) {
    // A process that ended while it was read.
  }
  return bytes;
}

/** A full collection before an RSS sample, so garbage waiting to be collected is not read as growth. */
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

interface Context { s3: EmbeddedS3; plain: EdgePair; signed: EdgePair; keysDir: string; logs: string[] }
const load = suite<Context>('load through the local edge', { logs: [] } as unknown as Context);
const consoleLog = console.log;

load.before(async (context) => {
  console.log = () => undefined;
  // A generated SIGNING_KEYS_FILE, read the way the build and npm start read it.
  context.keysDir = mkdtempSync(path.join(tmpdir(), 'load-keys-'));
  const keysFile = path.join(context.keysDir, 'signing-keys');
  writeFileSync(keysFile, `${randomBytes(32).toString('base64url')}\n${randomBytes(32).toString('base64url')}\n`);
  const keys = signingKeysFromEnv({ [SIGNING_KEYS_VARIABLE]: keysFile })!;
  const log = (line: string) => { if (!/ (200|30\d|4\d\d) /.test(line)) context.logs.push(line); };
  context.s3 = await startSampleS3();
  context.plain = await startEdgePair(context.s3, configWith(), { log });
  context.signed = await startEdgePair(context.s3, configWith({ signing: { enabled: true } }), { build: true, signingKeys: keys, log });
  (context as unknown as { keys: string[] }).keys = keys;
});

load.after(async (context) => {
  await context.plain?.close();
  await context.signed?.close();
  await context.s3?.stop();
  if (context.keysDir) rmSync(context.keysDir, { recursive: true, force: true });
  console.log = consoleLog;
});

async function check(planned: Planned, status: number, body: Buffer): Promise<string | undefined> {
  if (status !== planned.status) return `status ${status}, expected ${planned.status}: ${body.toString('utf8').slice(0, 120)}`;
  if (status !== 200) return undefined;
  if (planned.original) return body.equals(readFileSync(path.join(SAMPLES, planned.original))) ? undefined : `not the bytes of ${planned.original}`;
  try {
    // A full decode, not only the header.
    const { info } = await sharp(body).raw().toBuffer({ resolveWithObject: true });
    return info.width === planned.width ? undefined : `decoded ${info.width} wide, asked ${planned.width}`;
  } catch (error) {
    return `a 200 body sharp cannot decode: ${(error as Error).message}`;
  }
}

load(`${REQUESTS} mixed requests at concurrency ${CONCURRENCY}: only the planned statuses, every 200 decodes, RSS flat after warm-up`, async (context) => {
  const keys = (context as unknown as { keys: string[] }).keys;
  const edges = [...context.plain.edges, ...context.signed.edges].map(([, edge]) => edge);
  const requests = plan(keys, Math.floor(Date.now() / 1000));
  const results: Result[] = [];
  collectGarbage();
  /** [requests done, RSS, bytes of new cache entries so far] */
  const rss: Array<[number, number, number]> = [[0, treeRss(), 0]];
  const seenTargets = new Set<string>();
  let cachedBytes = 0;
  const heap: NodeJS.MemoryUsage[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + TIME_BOUND_MS;

  async function worker(): Promise<void> {
    while (next < requests.length && performance.now() < deadline) {
      const planned = requests[next++];
      const sent = performance.now();
      const post = planned.method === 'POST';
      const response = await rawRequest(edges[planned.edge].port, planned.method, planned.target, post ? [['content-type', 'text/plain']] : [], post ? 'x' : undefined).catch(() => null);
      const ms = performance.now() - sent;
      const problem = response ? await check(planned, response.status, response.body) : 'no answer';
      const bytes = response ? response.body.length : 0;
      // A new key's answer stays in the edge's cache (a signed one under its key without sig).
      const key = planned.target.replace(/[?&](exp|sig)=.*$/, '');
      if (response && response.status === 200 && !seenTargets.has(key)) cachedBytes += bytes;
      seenTargets.add(key);
      results.push({ planned, status: response ? response.status : 0, ms, bytes, problem });
      if (results.length % 100 === 0) {
        collectGarbage();
        rss.push([results.length, treeRss(), cachedBytes]);
        if (results.length === WARM_UP_REQUESTS || results.length === requests.length) heap.push(process.memoryUsage());
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = performance.now() - started;

  const mb = (bytes: number) => Math.round(bytes / 1048576);
  const afterWarmUp = rss.filter(([done]) => done >= WARM_UP_REQUESTS);
  const [, base, cachedAtBase] = afterWarmUp[0];
  // RSS above the first sample after warm-up, less what the cache newly holds.
  const growth = afterWarmUp.map(([, bytes, cached]) => bytes - base - (cached - cachedAtBase));
  const half = Math.floor(growth.length / 2);
  const mean = (list: number[]) => list.reduce((sum, value) => sum + value, 0) / list.length;
  const trend = mean(growth.slice(half)) - mean(growth.slice(0, half));
  const heapGrowth = heap.length === 2 ? heap[1].heapUsed - heap[0].heapUsed : Infinity;
  const cachedSinceBase = afterWarmUp[afterWarmUp.length - 1][2] - cachedAtBase;
  const lines = [`load: ${results.length} requests in ${(elapsed / 1000).toFixed(1)} s (${Math.round(results.length / (elapsed / 1000))} per second) at concurrency ${CONCURRENCY}`];
  for (const kind of ['hit', 'miss', 'bare', 'bad', 'signed', 'unsigned'] as const) {
    const of = results.filter((r) => r.planned.kind === kind);
    const ms = of.map((r) => r.ms).sort((a, b) => a - b);
    lines.push(`  ${kind.padEnd(8)} ${String(of.length).padStart(5)} requests  p50 ${percentile(ms, 50).toFixed(0).padStart(4)} ms  p95 ${percentile(ms, 95).toFixed(0).padStart(5)} ms`);
  }
  lines.push(`  RSS of the process and its resizer instances, MB, at 0 and then per 100 requests: ${rss.map(([, bytes]) => mb(bytes)).join(' ')}`);
  lines.push(`  RSS after warm-up (${WARM_UP_REQUESTS} requests): first ${mb(base)} MB; the cache newly holds ${mb(cachedSinceBase)} MB; beyond it, the second half's mean is ${trend >= 0 ? '+' : ''}${mb(trend)} MB on the first half's (flat: at most +${mb(FLAT_RSS_FRACTION * base)}, ${FLAT_RSS_FRACTION * 100}%), peak +${mb(Math.max(...growth))} MB`);
  if (heap.length === 2) lines.push(`  JavaScript heap ${mb(heap[0].heapUsed)} -> ${mb(heap[1].heapUsed)} MB, Buffers ${mb(heap[0].arrayBuffers)} -> ${mb(heap[1].arrayBuffers)} MB (the rest of RSS is native: libvips and the allocator)`);
  process.stdout.write(lines.join('\n') + '\n');

  assert.is(results.length, REQUESTS, `the run ended within ${TIME_BOUND_MS / 1000} s`);
  const wrong = results.filter((r) => r.problem);
  assert.equal(wrong.slice(0, 5).map((r) => `${r.planned.method} ${r.planned.target}: ${r.problem}`), [], `${wrong.length} unexpected answers; the edge logged: ${context.logs.slice(0, 5).join(' | ')}`);
  assert.is(results.filter((r) => r.status >= 500).length, 0, 'no 5xx');
  assert.equal(context.logs.filter((line) => /local edge error|Error \(5\d\d\)/.test(line)), [], 'no edge or function failure in the logs');
  assert.ok(trend <= FLAT_RSS_FRACTION * base, `RSS rose ${mb(trend)} MB from the first to the second half after warm-up, beyond the cache`);
  assert.ok(heapGrowth <= FLAT_HEAP_MB * 1048576, `the JavaScript heap grew ${mb(heapGrowth)} MB after warm-up`);
  for (const edge of edges) assert.is((await rawRequest(edge.port, 'GET', '/thumbnail.png')).status, 200, 'every edge still answers');
});

load.run();
