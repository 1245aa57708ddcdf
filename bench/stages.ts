// npx tsx bench/stages.ts [format] [rounds]: the built handler against npm run bench's floor,
// stage by stage, in one process over one s3rver, on the bench's sources and sizes for one
// format (avif unless named): the handler's logged ms.fetch and ms.transform and the rest of its
// wall time beside the floor's S3 GET and sharp call, and each one's CPU time (this process, every
// thread). A third pipeline, "mirror", runs the handler's own transform code (transform.ts:
// openSource, planTransform, pipeline, render) on the floor's fetched bytes, with the bench's
// sharp, so a gap between ours and the floor can be put on the handler's sharp calls or on
// everything around them. Each case a warm-up, then rounds in a balanced order (order.ts; rounds
// in multiples of two keep it balanced).
import type { CloudFrontResultResponse } from 'aws-lambda';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalQuery, parseCanonical } from '../shared/canonical';
import { DEFAULT_CONFIG } from '../shared/config';
import { planTransform } from '../shared/plan';
import { openSource, pipeline, render } from '../functions/resize/transform';
import { originResponse } from '../test/helpers/events';
import { startS3 } from '../test/helpers/s3';
import { FORMATS, GEOMETRIES, floorDecoding, floorTransform, type BenchFormat } from './pipelines';
import { reference } from './resize';
import { cycleLength, roundOrder } from './order';
import { benchSources } from './sources';
import { geomean, summarize } from './stats';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUCKET = 'stages';
type Handler = (event: unknown) => Promise<CloudFrontResultResponse>;
const PIPES = ['ours', 'floor', 'mirror'] as const;
type Pipe = (typeof PIPES)[number];
/** Per call: wall ms, CPU ms, and the parts (fetch and transform, or get and sharp). */
interface Sample { wall: number; cpu: number; fetch: number; transform: number }

async function main() {
  const format = (process.argv[2] || 'avif') as BenchFormat;
  const rounds = Number(process.argv[3] || 12);
  if (!FORMATS.includes(format) || rounds % cycleLength(PIPES.length)) throw new Error(`usage: npx tsx bench/stages.ts [${FORMATS.join('|')}] [rounds, even], after npx tsx scripts/build.ts`);
  const s3 = await startS3();
  const log = console.log;
  try {
    await s3.createBucket(BUCKET);
    const sources = await benchSources(root, false);
    for (const source of sources) await s3.put(BUCKET, `prod/${source.name}`, source.bytes, source.contentType);
    const require = createRequire(import.meta.url);
    const handler: Handler = require(path.join(root, 'dist/resize/index.js')).handlerFor({ ...s3.resizerS3, bucket: BUCKET });
    const logged: string[] = [];
    console.log = (line: string) => { logged.push(String(line)); };
    const all: Record<Pipe, Sample[]> = { ours: [], floor: [], mirror: [] };
    const ratios = { wall: [] as number[], cpu: [] as number[], fetch: [] as number[], transform: [] as number[], mirrorWall: [] as number[], mirrorCpu: [] as number[] };
    const rows: string[] = [];
    for (const source of sources) {
      const decoding = await floorDecoding(source.bytes);
      for (const geometry of GEOMETRIES) {
        const output = await reference(source.bytes, geometry);
        const querystring = canonicalQuery(`w=${geometry.width}${geometry.height ? `&h=${geometry.height}` : ''}&f=${format}`, undefined, DEFAULT_CONFIG);
        const key = `prod/${source.name}`;
        const timed = async (run: () => Promise<{ fetch: number; transform: number }>): Promise<Sample> => {
          const started = performance.now();
          const cpuStarted = process.cpuUsage();
          const parts = await run();
          const wall = performance.now() - started;
          const cpu = process.cpuUsage(cpuStarted);
          return { wall, cpu: (cpu.user + cpu.system) / 1000, ...parts };
        };
        const runs: Record<Pipe, () => Promise<Sample>> = {
          ours: () => timed(async () => {
            const result = await handler(originResponse({ uri: `/${key}`, querystring, contentType: source.contentType }));
            if (!result.body) throw new Error(`the handler passed ${key}?${querystring} through`);
            const line = JSON.parse(logged[logged.length - 1]);
            return { fetch: line.ms.fetch, transform: line.ms.transform };
          }),
          floor: () => timed(async () => {
            let mark = performance.now();
            const input = await s3.get(BUCKET, key);
            const fetch = performance.now() - mark;
            mark = performance.now();
            await floorTransform(input, geometry, format, output.width * output.height, decoding);
            return { fetch, transform: performance.now() - mark };
          }),
          mirror: () => timed(async () => {
            let mark = performance.now();
            const input = await s3.get(BUCKET, key);
            const fetch = performance.now() - mark;
            mark = performance.now();
            const opened = await openSource(input);
            const plan = planTransform(parseCanonical(querystring, DEFAULT_CONFIG)!, opened.source, DEFAULT_CONFIG);
            await render(await pipeline(opened, plan, DEFAULT_CONFIG, 12), plan, { timeoutSeconds: 12 });
            return { fetch, transform: performance.now() - mark };
          }),
        };
        const samples: Record<Pipe, Sample[]> = { ours: [], floor: [], mirror: [] };
        for (let round = 0; round <= rounds; round++) {
          for (const name of roundOrder(PIPES, round)) {
            const sample = await runs[name]();
            if (round > 0) samples[name].push(sample); // round 0: the warm-up
          }
        }
        const med = (name: Pipe, field: keyof Sample) => summarize(samples[name].map((s) => s[field])).median;
        for (const name of PIPES) all[name].push(...samples[name]);
        ratios.wall.push(med('ours', 'wall') / med('floor', 'wall'));
        ratios.cpu.push(med('ours', 'cpu') / med('floor', 'cpu'));
        ratios.fetch.push(med('ours', 'fetch') / med('floor', 'fetch'));
        ratios.transform.push(med('ours', 'transform') / med('floor', 'transform'));
        ratios.mirrorWall.push(med('mirror', 'wall') / med('floor', 'wall'));
        ratios.mirrorCpu.push(med('mirror', 'cpu') / med('floor', 'cpu'));
        const rest = summarize(samples.ours.map((s) => s.wall - s.fetch - s.transform)).median;
        rows.push(`| ${source.name} ${geometry.label} | ${med('ours', 'wall').toFixed(1)} / ${med('floor', 'wall').toFixed(1)} / ${med('mirror', 'wall').toFixed(1)} | ${med('ours', 'cpu').toFixed(1)} / ${med('floor', 'cpu').toFixed(1)} / ${med('mirror', 'cpu').toFixed(1)} | ${med('ours', 'fetch').toFixed(1)} / ${med('floor', 'fetch').toFixed(1)} | ${med('ours', 'transform').toFixed(1)} / ${med('floor', 'transform').toFixed(1)} / ${med('mirror', 'transform').toFixed(1)} | ${rest.toFixed(1)} | ${(med('ours', 'wall') / med('floor', 'wall')).toFixed(3)} | ${(med('ours', 'cpu') / med('floor', 'cpu')).toFixed(3)} |`);
        log(rows[rows.length - 1]);
      }
    }
    log(`\n${format}, ${rounds} rounds, medians per case (ms): ours / floor / mirror\n`);
    log('| case | wall | CPU | fetch (ours / floor GET) | transform (ours / floor sharp / mirror) | ours rest | ours/floor wall | ours/floor CPU |\n|---|---|---|---|---|---|---|---|');
    for (const row of rows) log(row);
    const g = (values: number[]) => geomean(values).toFixed(3);
    log(`\nGeometric means over ${ratios.wall.length} cases: ours/floor wall ${g(ratios.wall)}x, CPU ${g(ratios.cpu)}x; fetch ${g(ratios.fetch)}x; transform ${g(ratios.transform)}x; mirror/floor wall ${g(ratios.mirrorWall)}x, CPU ${g(ratios.mirrorCpu)}x`);
  } finally {
    console.log = log;
    await s3.stop();
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error instanceof Error ? error.stack || error.message : error);
  process.exit(1);
});
