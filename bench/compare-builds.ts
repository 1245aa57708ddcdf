// npx tsx bench/compare-builds.ts <other>/dist/resize/index.js [rounds]: this checkout's built
// resizer handler against another build's, side by side in one process over one s3rver, with
// npm run bench's floor (the S3 GET plus bare sharp with our encoder settings), on the bench's
// sources, sizes and formats; each case a warm-up, then rounds in a balanced order (order.ts:
// each build follows each other pipeline equally often over every two rounds). A change to
// the miss path is measured this way (docs/performance.md, "One header read (item 2)"): build
// the other commit in a worktree (git worktree add; link node_modules; npx tsx scripts/build.ts).
import type { CloudFrontResultResponse } from 'aws-lambda';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalQuery } from '../shared/canonical';
import { DEFAULT_CONFIG } from '../shared/config';
import { originResponse } from '../test/helpers/events';
import { startS3 } from '../test/helpers/s3';
import { FORMATS, GEOMETRIES, floorDecoding, floorTransform } from './pipelines';
import { reference } from './resize';
import { roundOrder } from './order';
import { benchSources } from './sources';
import { geomean, summarize } from './stats';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUCKET = 'compare-builds';
type Handler = (event: unknown) => Promise<CloudFrontResultResponse>;

async function main() {
  const other = process.argv[2] && path.resolve(process.argv[2]);
  const rounds = Number(process.argv[3] || 8);
  const ours = path.join(root, 'dist/resize/index.js');
  if (!other || !existsSync(other) || !existsSync(ours)) throw new Error('usage: npx tsx bench/compare-builds.ts <other>/dist/resize/index.js [rounds], after npm run build here');
  const s3 = await startS3();
  try {
    await s3.createBucket(BUCKET);
    const sources = await benchSources(root, false);
    for (const source of sources) await s3.put(BUCKET, `prod/${source.name}`, source.bytes, source.contentType);
    const require = createRequire(import.meta.url);
    const handlers: Record<'other' | 'this', Handler> = {
      other: require(other).handlerFor({ ...s3.resizerS3, bucket: BUCKET }),
      this: require(ours).handlerFor({ ...s3.resizerS3, bucket: BUCKET }),
    };
    const log = console.log;
    console.log = () => undefined; // the handlers' log lines
    const ratios: Record<'other' | 'this' | 'thisOverOther', number[]> = { other: [], this: [], thisOverOther: [] };
    log('| case | other ms | this ms | floor ms | this / other |\n|---|---|---|---|---|');
    for (const source of sources) {
      const decoding = await floorDecoding(source.bytes);
      for (const geometry of GEOMETRIES) {
        // The output's pixels, for the encoders' effort rule (as npm run bench's floor passes them).
        const output = await reference(source.bytes, geometry);
        for (const format of FORMATS) {
          const querystring = canonicalQuery(`w=${geometry.width}${geometry.height ? `&h=${geometry.height}` : ''}&f=${format}`, undefined, DEFAULT_CONFIG);
          const key = `prod/${source.name}`;
          const handler = (name: 'other' | 'this') => async () => {
            const result = await handlers[name](originResponse({ uri: `/${key}`, querystring, contentType: source.contentType }));
            if (!result.body) throw new Error(`${name} passed ${key}?${querystring} through`);
          };
          const runs: Record<string, () => Promise<unknown>> = {
            other: handler('other'),
            this: handler('this'),
            floor: async () => floorTransform(await s3.get(BUCKET, key), geometry, format, output.width * output.height, decoding),
          };
          const names = Object.keys(runs);
          const ms: Record<string, number[]> = { other: [], this: [], floor: [] };
          for (let round = 0; round <= rounds; round++) {
            for (const name of roundOrder(names, round)) {
              const started = performance.now();
              await runs[name]();
              if (round > 0) ms[name].push(performance.now() - started); // round 0: the warm-up
            }
          }
          const [o, t, f] = [summarize(ms.other).median, summarize(ms.this).median, summarize(ms.floor).median];
          ratios.other.push(o / f);
          ratios.this.push(t / f);
          ratios.thisOverOther.push(t / o);
          log(`| ${source.name} ${geometry.label} ${format} | ${o.toFixed(1)} | ${t.toFixed(1)} | ${f.toFixed(1)} | ${(t / o).toFixed(3)} |`);
        }
      }
    }
    log(`\nGeometric means of medians (${ratios.this.length} cases, ${rounds} rounds): other / floor ${geomean(ratios.other).toFixed(3)}x, this / floor ${geomean(ratios.this).toFixed(3)}x, this / other ${geomean(ratios.thisOverOther).toFixed(3)}x`);
    console.log = log;
  } finally {
    await s3.stop();
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
