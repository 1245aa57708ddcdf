// Fresh processes: cold start (process start to the first response, per bundle) and peak RSS
// (a fresh process that loads the resize bundle and resizes one large source; a warm one after
// many mixed requests). The child is plain Node running the built bundle, as Lambda runs it.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { originResponse, viewerRequest } from '../test/helpers/events';
import { summarize, type Summary } from './stats';

export interface ChildReport {
  /** ms from process start to the bundle loaded, and to the first response. */
  readonly loadedMs: number;
  readonly firstMs: number;
  /** CPU ms of the process (every thread) from its start to the first response. */
  readonly firstCpuMs: number;
  readonly maxRssMb: number;
  /** RSS once the bundle is loaded, before the first event. */
  readonly loadedRssMb: number;
  readonly outcome: string;
}

// Runs in the child: loads the bundle, answers each event in turn, prints one JSON line.
const CHILD = `
const t = () => performance.now();
const bundle = process.env.BENCH_BUNDLE;
const events = JSON.parse(process.env.BENCH_EVENTS);
let outcome = '';
const log = console.log;
console.log = (line) => { try { const l = JSON.parse(line); if (l.outcome) outcome = l.outcome + (l.outcome === 'fallback-error' ? ' (' + l.reason + ')' : ''); } catch (_) {} };
// The resizer takes s3rver's endpoint and credentials as arguments (handlerFor), as the tests do.
const loaded = require(bundle);
const handler = process.env.BENCH_S3 ? loaded.handlerFor(JSON.parse(process.env.BENCH_S3)) : loaded.handler;
// VmHWM is this process image's own peak; getrusage's maxRSS keeps the parent's RSS from
// before exec (the fork), which would report the benchmark's own size.
function peakRssMb() {
  try {
    const status = require('node:fs').readFileSync('/proc/self/status', 'utf8');
    const line = status.split(String.fromCharCode(10)).find((l) => l.startsWith('VmHWM:'));
    if (line) return Number(line.replace(/[^0-9]+/g, '')) / 1024;
  } catch (_) {}
  return process.resourceUsage().maxRSS / 1024;
}
const loadedMs = t();
const loadedRssMb = process.memoryUsage().rss / 1048576;
(async () => {
  let firstMs = 0;
  let firstCpuMs = 0;
  const repeat = Number(process.env.BENCH_REPEAT || 1);
  for (let r = 0; r < repeat; r++) for (let i = 0; i < events.length; i++) {
    await handler(JSON.parse(JSON.stringify(events[i])));
    if (!firstMs) { firstMs = t(); const c = process.cpuUsage(); firstCpuMs = (c.user + c.system) / 1000; }
  }
  log(JSON.stringify({ loadedMs, loadedRssMb, firstMs, firstCpuMs, maxRssMb: peakRssMb(), outcome }));
})().catch((e) => { log(JSON.stringify({ error: String(e) })); process.exit(1); });
`;

export interface ChildOptions {
  readonly bundle: string;
  readonly events: readonly unknown[];
  readonly env: Readonly<Record<string, string>>;
  readonly repeat?: number;
  /** Extra node flags, e.g. none: Lambda runs node without flags. */
  readonly execArgv?: readonly string[];
}

/** Async: the child talks to s3rver, which runs in this process's event loop. */
export async function runChild(options: ChildOptions): Promise<ChildReport> {
  const child = spawn(process.execPath, [...(options.execArgv || []), '-e', CHILD], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH, ...options.env,
      BENCH_BUNDLE: options.bundle, BENCH_EVENTS: JSON.stringify(options.events), BENCH_REPEAT: String(options.repeat || 1),
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = stdout.trim().split('\n').pop() || '';
  const report = JSON.parse(line || '{}');
  if (report.error || status !== 0) throw new Error(`child ${options.bundle} failed: ${report.error || stderr.split('\n').slice(0, 3).join(' ')}`);
  return report as ChildReport;
}

/** Bare Node: process start to the first statement, the part of every cold start that is not ours. */
export function bareNodeMs(): number {
  const result = spawnSync(process.execPath, ['-e', 'console.log(performance.now())'], { encoding: 'utf8' });
  return Number(result.stdout.trim());
}

export interface ColdStart {
  readonly bundle: string;
  readonly loadedMs: Summary;
  readonly firstMs: Summary;
}

/**
 * The yardstick of the resizer's cold start: a fresh process that only loads sharp (the
 * bundle's own copy) and makes the same 200x150 webp (our encoder settings) from the same bytes
 * already in memory. Prints ms since the process started, once sharp is loaded and once the
 * output is made.
 */
// With the resizer's own encoder settings for this output (functions/resize/operations.ts: a
// 200x150 webp is a small output: effort 2, default preset) and resize kernel, so both processes
// make the same bytes.
const SHARP_ONLY = `
const bytes = require('node:fs').readFileSync(process.env.BENCH_SOURCE);
const started = performance.now();
const sharp = require(process.env.BENCH_SHARP);
const loadedMs = performance.now();
sharp(bytes).resize(200, 150, { kernel: 'cubic' }).webp({ quality: 80, effort: 2 }).toBuffer().then(() => {
  const c = process.cpuUsage();
  console.log(JSON.stringify({ loadedMs, firstMs: performance.now(), firstCpuMs: (c.user + c.system) / 1000, readMs: started }));
});
`;

function sharpOnlyChild(sharpModule: string, sourceFile: string): { loadedMs: number; firstMs: number; firstCpuMs: number } {
  const result = spawnSync(process.execPath, ['-e', SHARP_ONLY], { encoding: 'utf8', env: { PATH: process.env.PATH, BENCH_SHARP: sharpModule, BENCH_SOURCE: sourceFile } });
  const line = JSON.parse(result.stdout.trim().split('\n').pop() || '{}');
  if (!line.firstMs) throw new Error(`the sharp-only child failed: ${result.stderr.split('\n').slice(0, 3).join(' ')}`);
  return line;
}

export interface ColdStarts {
  readonly bareNode: Summary;
  readonly bundles: ColdStart[];
  /** The sharp-only process, run in turn with the resize bundle. */
  readonly sharpOnly: ColdStart;
  /** Median over the interleaved pairs of (bundle's first response) / (sharp-only's output made). */
  readonly resizeOverSharpOnly: number;
  /** The same pairs by CPU time to the first response: other processes' load moves it least. */
  readonly resizeOverSharpOnlyCpu: number;
}

export async function coldStarts(root: string, s3Env: Readonly<Record<string, string>>, resizeEvent: unknown, runs: number, sourceFile: string): Promise<ColdStarts> {
  const bare = Array.from({ length: runs }, bareNodeMs);
  const viewer = viewerRequest('w=200&h=150&f=webp&utm_source=x', 'image/avif,image/webp,*/*');
  const resize: ChildOptions = { bundle: path.join(root, 'dist/resize/index.js'), events: [resizeEvent], env: s3Env };
  const sharpModule = path.join(root, 'dist/resize/node_modules/sharp');
  // The resize bundle and the sharp-only process in turn, so both see the same machine.
  const resizeRuns: ChildReport[] = [];
  const sharpRuns: Array<{ loadedMs: number; firstMs: number; firstCpuMs: number }> = [];
  for (let i = 0; i < runs; i++) {
    resizeRuns.push(await runChild(resize));
    sharpRuns.push(sharpOnlyChild(sharpModule, sourceFile));
  }
  const ratios = resizeRuns.map((r, i) => r.firstMs / sharpRuns[i].firstMs);
  const cpuRatios = resizeRuns.map((r, i) => r.firstCpuMs / sharpRuns[i].firstCpuMs);
  const bundles: ColdStart[] = [{ bundle: 'dist/resize/index.js', loadedMs: summarize(resizeRuns.map((r) => r.loadedMs)), firstMs: summarize(resizeRuns.map((r) => r.firstMs)) }];
  const normalize: ChildReport[] = [];
  for (let i = 0; i < runs; i++) normalize.push(await runChild({ bundle: path.join(root, 'dist/normalize/index.js'), events: [viewer], env: {} }));
  bundles.push({ bundle: 'dist/normalize/index.js', loadedMs: summarize(normalize.map((r) => r.loadedMs)), firstMs: summarize(normalize.map((r) => r.firstMs)) });
  const sharpOnly: ColdStart = { bundle: 'sharp only (same output from the same bytes in memory)', loadedMs: summarize(sharpRuns.map((r) => r.loadedMs)), firstMs: summarize(sharpRuns.map((r) => r.firstMs)) };
  return { bareNode: summarize(bare), bundles, sharpOnly, resizeOverSharpOnly: summarize(ratios).median, resizeOverSharpOnlyCpu: summarize(cpuRatios).median };
}

export interface MemoryCase {
  readonly label: string;
  readonly maxRssMb: number;
  readonly outcome: string;
}

export function resizeEventFor(key: string, querystring: string, contentType = 'image/jpeg'): unknown {
  return originResponse({ uri: `/${key}`, querystring, contentType });
}

/** ms to require one module in a fresh process: what lazy loading could move off the cold start. */
export function requireMs(module: string): number {
  const result = spawnSync(process.execPath, ['-e', `const t=performance.now();require(${JSON.stringify(module)});console.log(performance.now()-t)`], { encoding: 'utf8' });
  return Number(result.stdout.trim());
}
