// npm run bench: speed and memory of the two functions on this machine, printed as a
// Markdown table for the README's "Performance" section (with the machine and date).
// Sources are generated; the resizer runs through the built bundle against s3rver.
import type { CloudFrontResultResponse } from 'aws-lambda';
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalQuery } from '../shared/canonical';
import { DEFAULT_CONFIG } from '../shared/config';
import { cloudFrontFunctionNormalizer, lambdaNormalizer } from '../test/helpers/bundles';
import { cffViewerRequest, originResponse, viewerRequest } from '../test/helpers/events';
import { animated, noise, photoLike } from '../test/helpers/images';
import { startS3 } from '../test/helpers/s3';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 7);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];
}

async function main() {
  execFileSync('npx', ['--no-install', 'tsx', 'scripts/build.ts'], { cwd: root, stdio: 'ignore' });
  const s3 = await startS3();
  await s3.createBucket('originals-bucket');
  const require = createRequire(import.meta.url);
  // The built bundle's handler over s3rver: endpoint and credentials passed in, not through the environment.
  const resize = require(path.join(root, 'dist/resize/index.js')).handlerFor(s3.resizerS3) as (event: unknown) => Promise<CloudFrontResultResponse>;

  const sources: Array<[string, Buffer, string]> = [
    ['photo-12mp.jpg', await photoLike(4000, 3000), 'image/jpeg'],
    ['photo-2mp.jpg', await photoLike(1600, 1200), 'image/jpeg'],
    ['noise-1mp.jpg', await noise(1000, 1000, 'jpeg'), 'image/jpeg'],
    ['spinner.gif', await animated(200, 200, 20, 'gif'), 'image/gif'],
  ];
  for (const [key, bytes, type] of sources) await s3.put('originals-bucket', `prod/${key}`, bytes, type);

  const cases: Array<[string, string]> = [
    ['photo-12mp.jpg', 'w=800&f=webp'],
    ['photo-12mp.jpg', 'w=800&f=jpeg'],
    ['photo-12mp.jpg', 'w=800&f=avif'],
    ['photo-2mp.jpg', 'w=400&h=400&f=webp'],
    ['photo-2mp.jpg', 'w=200&f=jpeg'],
    ['noise-1mp.jpg', 'w=1000&f=jpeg&q=100'],
    ['spinner.gif', 'w=100&f=webp'],
  ];

  const lines: string[] = [];
  const log = console.log;
  const logged: string[] = [];
  console.log = (line: string) => { logged.push(line); };
  const rows: string[] = [];
  for (const [key, query] of cases) {
    const canonical = canonicalQuery(query, undefined, DEFAULT_CONFIG);
    const ms: number[] = [];
    let out = 0;
    let outcome = '';
    for (let i = 0; i < ROUNDS + 1; i++) {
      const started = performance.now();
      const result = await resize(originResponse({ uri: `/prod/${key}`, querystring: canonical, contentType: sources.find(([k]) => k === key)![2] }));
      const elapsed = performance.now() - started;
      if (i > 0) ms.push(elapsed); // the first round warms caches and the S3 client
      out = result.body ? Buffer.from(result.body, 'base64').length : 0;
      outcome = JSON.parse(logged[logged.length - 1]).outcome;
    }
    const input = sources.find(([k]) => k === key)![1].length;
    rows.push(`| \`${key}?${canonical}\` | ${(input / 1024).toFixed(0)} KB | ${(out / 1024).toFixed(0)} KB | ${median(ms).toFixed(0)} | ${p95(ms).toFixed(0)} | ${outcome} |`);
  }
  console.log = log;

  const normalizers: Array<[string, () => unknown]> = [];
  const lambda = lambdaNormalizer();
  const cff = cloudFrontFunctionNormalizer();
  normalizers.push(['pure core (`canonicalQuery`)', () => canonicalQuery('h=150&q=90&f=webp&w=200&utm_source=x', 'image/avif,image/webp,*/*', DEFAULT_CONFIG)]);
  normalizers.push(['Lambda@Edge bundle', () => lambda(viewerRequest('h=150&q=90&f=webp&w=200&utm_source=x', 'image/avif,image/webp,*/*'))]);
  normalizers.push(['CloudFront Functions script (node:vm)', () => cff(cffViewerRequest([['h', '150'], ['q', '90'], ['f', 'webp'], ['w', '200'], ['utm_source', 'x']], 'image/avif,image/webp,*/*'))]);
  const normalizerRows: string[] = [];
  for (const [label, fn] of normalizers) {
    const n = 20000;
    for (let i = 0; i < 1000; i++) await fn();
    const started = performance.now();
    for (let i = 0; i < n; i++) await fn();
    const perCall = ((performance.now() - started) * 1000) / n;
    normalizerRows.push(`| ${label} | ${perCall.toFixed(1)} µs |`);
  }

  // Cold start: a fresh Node process loading the resize bundle (sharp and the SDK included).
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    const result = spawnSync(process.execPath, ['-e', `const t=process.hrtime.bigint();require(${JSON.stringify(path.join(root, 'dist/resize/index.js'))});console.log(Number(process.hrtime.bigint()-t)/1e6)`], { encoding: 'utf8' });
    cold.push(Number(result.stdout.trim()));
  }

  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  const cpu = os.cpus()[0]?.model || 'unknown CPU';
  lines.push(`Measured ${new Date().toISOString().slice(0, 10)} on ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, sharp ${require('sharp').versions.sharp} (libvips ${require('sharp').versions.vips}); median and p95 of ${ROUNDS} warm runs, S3 (s3rver on loopback) fetch included.`);
  lines.push('', '| request | source | variant | median ms | p95 ms | outcome |', '|---|---|---|---|---|---|', ...rows);
  lines.push('', '| normalizer | per request |', '|---|---|', ...normalizerRows);
  lines.push('', `Loading the resize bundle in a fresh process (cold start, before the first request): median ${median(cold).toFixed(0)} ms. Peak RSS of the whole benchmark process: ${maxRssMb.toFixed(0)} MB.`);
  console.log(lines.join('\n'));
  await s3.stop();
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
