// npm run bench [-- --quick]: speed, bytes, quality, memory and cost of the two functions on
// this machine, printed as Markdown tables (docs/performance.md) and written as JSON to
// bench/results.json. Every figure is a median over repeated runs after a warm-up, with min and
// max; comparisons are ratios of runs made side by side in the same rounds, since the machine
// is shared. --quick (what CI runs) makes every section run once on one small image, in seconds.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { projectConfig } from '../shared/config-file';
import { canonicalQuery } from '../shared/canonical';
import { lambdaEdgeCostUsd } from '../shared/lambda-edge-prices';
import { startS3 } from '../test/helpers/s3';
import { photoLike } from '../test/helpers/images';
import { COST_FORMULA, COST_TARGET_PER_MILLION, costVerdict, memorySweep, perMillionHits, perMillionTransforms } from './cost';
import { benchEdge } from './edge';
import { cpuIdentity, cpuTimes, stealShare } from './machine';
import { benchCacheKeys, benchNormalize, bundleSizes } from './normalize';
import { PRICE_TABLE, PRICES_READ_ON } from './prices';
import { coldStarts, requireMs, resizeEventFor, runChild } from './processes';
import { FORMATS, GEOMETRIES as ALL_GEOMETRIES, PIPELINES } from './pipelines';
import { benchResize, verdicts, type ResizeCaseResult } from './resize';
import { inputsTable, scaleTable, SCALE_INPUTS, type ScaleInputs } from './scale';
import { benchSources } from './sources';
import { formatSummary, geomean, mean } from './stats';
import { benchTuning } from './tuning';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
// 6: two balanced cycles (order.ts); at 3, one disturbed round in two moved a case's median.
const ROUNDS = Number(process.env.BENCH_ROUNDS || (quick ? 1 : 6));
// 3 processes per pipeline in the resize comparison, each taking 2 of the 6 rounds (resize.ts).
const PROCESSES_PER_PIPELINE = quick ? 1 : 3;
const BUCKET = 'originals-bucket';
const PREFIX = 'prod/bench';
// Quick mode keeps to the small size: a 640 px avif at the default effort alone takes seconds.
const GEOMETRIES = quick ? ALL_GEOMETRIES.slice(0, 1) : ALL_GEOMETRIES;

/** A Linux /proc text, or undefined elsewhere. */
function procText(name: string): string | undefined {
  try {
    return readFileSync(`/proc/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

function kb(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}

function resizeTable(results: readonly ResizeCaseResult[]): string[] {
  const lines = [
    '| source | size | format | ours ms | floor ms | naive ms | ipx ms | ours KB | naive KB | ipx KB | SSIM ours | SSIM naive | SSIM ipx | chroma SSIM ours | chroma SSIM naive | outcome |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    lines.push(`| ${r.source} | ${r.geometry} | ${r.format} | ${PIPELINES.map((p) => formatSummary(r.ms[p])).join(' | ')} | ${kb(r.bytes.ours)} | ${kb(r.bytes.naive)} | ${kb(r.bytes.ipx)} | ${r.ssim.ours.toFixed(4)} | ${r.ssim.naive.toFixed(4)} | ${r.ssim.ipx.toFixed(4)} | ${r.chroma.ours.toFixed(4)} | ${r.chroma.naive.toFixed(4)} | ${r.outcome} |`);
  }
  return lines;
}

async function main() {
  execFileSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/build.ts'], { cwd: root, stdio: 'ignore' });
  const s3 = await startS3();
  const report: Record<string, unknown> = { quick, rounds: ROUNDS };
  const cpuAtStart = cpuTimes(procText('stat'));
  const out: string[] = [];
  const print = (...lines: string[]) => { for (const line of lines) { out.push(line); process.stdout.write(line + '\n'); } };
  try {
    await s3.createBucket(BUCKET);
    const sources = await benchSources(root, quick);
    for (const source of sources) await s3.put(BUCKET, `${PREFIX}/${source.name}`, source.bytes, source.contentType);

    const require = createRequire(import.meta.url);
    const sharpVersions = require('sharp').versions;
    const cpu = cpuIdentity(os.cpus()[0]?.model || 'unknown CPU', procText('cpuinfo'));
    const machine = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, sharp ${sharpVersions.sharp} (libvips ${sharpVersions.vips})`;
    report.machine = machine;
    print(`Measured ${machine}; ${quick ? 'QUICK MODE (one image, one round: not for docs/performance.md)' : `median (min-max) of ${ROUNDS} rounds after a warm-up`}.`, '');

    const resizeContext = { root, s3: s3.resizerS3, bucket: BUCKET, prefix: PREFIX, rounds: ROUNDS, processesPerPipeline: PROCESSES_PER_PIPELINE };
    const { comparison: resize, asLambda } = await benchResize(sources, GEOMETRIES, resizeContext);
    report.resize = resize;
    const summary = verdicts(resize);
    report.resizeSummary = summary;
    print(`### Resize (${GEOMETRIES.map((g) => g.label).join(', ')}; ms through s3rver)`, '', ...resizeTable(resize), '');
    print('Geometric means over sources and sizes; "by min" uses each pipeline\'s fastest round, the one least disturbed by the machine\'s other work; "CPU" uses the process\'s CPU time per call (every thread), which other processes\' load moves least.', '',
      '| format | ours / floor (by min; CPU) | speed vs naive (by min; CPU) | bytes vs naive | SSIM change vs naive | chroma SSIM change vs naive | speed vs ipx (by min) |', '|---|---|---|---|---|---|---|');
    for (const v of summary) {
      const wrong = v.naiveWrong ? ` (${v.naiveWrong} case${v.naiveWrong > 1 ? 's' : ''} left out: naive's output is wrong)` : '';
      print(`| ${v.format} | ${v.oursOverFloor.toFixed(2)}x (${v.oursOverFloorByMin.toFixed(2)}x; ${v.oursOverFloorCpu.toFixed(2)}x) | ${v.speedVsNaive.toFixed(2)}x (${v.speedVsNaiveByMin.toFixed(2)}x; ${v.speedVsNaiveCpu.toFixed(2)}x) | ${(v.bytesVsNaive * 100).toFixed(1)}%${wrong} | ${v.ssimVsNaive.toFixed(4)}${wrong ? ' (same cases)' : ''} | ${v.chromaVsNaive.toFixed(4)} | ${v.speedVsIpx.toFixed(2)}x (${v.speedVsIpxByMin.toFixed(2)}x) |`);
    }
    report.oursAsLambda = asLambda;
    print('', 'Ours in the comparison runs with its allocator settled, as every pipeline there does; ours as Lambda runs it, with glibc\'s defaults, in processes of its own, right after each format\'s comparison (same cases and rounds): means over each format\'s cases of the medians. Beside it, in processes like its own and in turn with it, the least a miss can take with the handler\'s parts: our S3 reader\'s GET, one header read and the floor\'s sharp call; and the same with the format\'s fastest encoder, the least any encoder setting can take (bench/least-runner.ts).', '',
      '| format | ours ms, settled | ours ms, defaults (as Lambda) | least possible miss ms | ours as Lambda / least | the same, fastest encoder, ms | its bytes / ours | page faults per call, settled | page faults per call, defaults |', '|---|---|---|---|---|---|---|---|---|',
      ...FORMATS.map((f) => {
        const settled = resize.filter((r) => r.format === f);
        const defaults = asLambda.filter((r) => r.format === f);
        return `| ${f} | ${mean(settled.map((r) => r.ms.ours.median)).toFixed(1)} | ${mean(defaults.map((r) => r.ms.median)).toFixed(1)} | ${mean(defaults.map((r) => r.leastMs.median)).toFixed(1)} | ${geomean(defaults.map((r) => r.ms.median / r.leastMs.median)).toFixed(2)}x | ${mean(defaults.map((r) => r.fastestMs.median)).toFixed(1)} | ${geomean(defaults.map((r) => r.fastestBytesOverOurs)).toFixed(2)}x | ${mean(settled.map((r) => r.pageFaults.ours.median)).toFixed(0)} | ${mean(defaults.map((r) => r.pageFaults.median)).toFixed(0)} |`;
      }), '');
    const differ = resize.filter((r) => !r.sameAsFloor);
    print('', `The floor's output is byte for byte ours in ${resize.length - differ.length} of ${resize.length} cases${differ.length ? ` (not in: ${differ.map((r) => `${r.source} ${r.geometry} ${r.format}`).join(', ')})` : ''}; ours / floor over those cases: ${summary.map((v) => `${v.format} ${v.oursOverFloorSameOutput.toFixed(3)}x (${v.sameOutputCases} cases)`).join(', ')}.`, '');

    const config = projectConfig().config;
    report.config = { formats: config.formats, quality: config.quality, resizeMemoryMb: config.deploy.resizeMemoryMb };

    // Tuning: each setting beside its baseline.
    const tuning = await benchTuning(sources, GEOMETRIES, ROUNDS, { endpoint: s3.endpoint, bucket: BUCKET, prefix: PREFIX });
    report.tuning = tuning;
    print('### Tuning (geometric means over the photos; speed above 1 is faster than the baseline)', '',
      '| setting | variant | ms | speed vs baseline | bytes vs baseline | SSIM | SSIM change | chroma SSIM change |', '|---|---|---|---|---|---|---|---|');
    for (const t of tuning) {
      print(`| ${t.setting} | ${t.variant} | ${t.ms.toFixed(1)} | ${t.speedup.toFixed(2)}x | ${t.bytesRatio === undefined ? '' : `${((t.bytesRatio - 1) * 100).toFixed(1)}%`} | ${t.ssim === undefined ? '' : t.ssim.toFixed(4)} | ${t.ssimChange === undefined ? '' : t.ssimChange.toFixed(4)} | ${t.chromaChange === undefined ? '' : t.chromaChange.toFixed(4)} |`);
    }
    const avifOverWebp = geomean(resize.filter((r) => r.format === 'avif').map((r) => {
      const webp = resize.find((w) => w.format === 'webp' && w.source === r.source && w.geometry === r.geometry)!;
      return r.ms.ours.median / webp.ms.ours.median;
    }));
    const avifBytes = geomean(resize.filter((r) => r.format === 'avif').map((r) => r.bytes.ours / resize.find((w) => w.format === 'webp' && w.source === r.source && w.geometry === r.geometry)!.bytes.ours));
    const avifSsim = mean(resize.filter((r) => r.format === 'avif').map((r) => r.ssim.ours - resize.find((w) => w.format === 'webp' && w.source === r.source && w.geometry === r.geometry)!.ssim.ours));
    report.avifVsWebp = { timeRatio: avifOverWebp, bytesRatio: avifBytes, ssimChange: avifSsim };
    print('', `avif against webp through our handler: ${avifOverWebp.toFixed(2)}x the time, ${((avifBytes - 1) * 100).toFixed(0)}% bytes, SSIM change ${avifSsim.toFixed(4)} (autoAvif is ${config.formats.autoAvif}).`, '');

    // Normalizer.
    const normalize = await benchNormalize(root, config, quick ? 2 : 7, 1000);
    const sizes = bundleSizes(root);
    const keys = await benchCacheKeys(root, config, quick ? 2000 : 10000, 200);
    report.normalize = normalize;
    report.bundles = sizes;
    report.cacheKeys = keys;
    print('### Normalizer', '', '| build | ns per event (1,000 events) | CPU ns per event, same rounds |', '|---|---|---|', ...normalize.map((n) => `| ${n.build} | ${formatSummary(n.nsPerEvent, 0)} | ${formatSummary(n.cpuNsPerEvent, 0)} |`), '');
    print('| bundle | bytes | gzipped |', '|---|---|---|', ...sizes.map((b) => `| ${b.file} | ${b.raw} | ${b.gzip} |`), '');
    print(`Cache keys: ${keys.requests} generated requests for ${keys.outputs} distinct outputs → ${Object.entries(keys.keys).map(([b, n]) => `${n} keys (${b}; ${keys.splitOutputs[b]} outputs split, ${keys.mergedKeys[b]} keys shared)`).join(', ')}.`, '');

    // The local edge over HTTP.
    const edge = await benchEdge(config, { endpoint: s3.endpoint, bucket: BUCKET }, `${PREFIX}/${sources[0].name}`, quick ? 8 : 40, quick ? 40 : 400);
    report.edge = edge;
    print(`### Local edge over HTTP (${sources[0].name}, misses at 200x150 webp)`, '', '| kind | concurrency | requests | p50 ms | p99 ms | per second |', '|---|---|---|---|---|---|',
      ...edge.map((e) => `| ${e.kind} | ${e.concurrency} | ${e.requests} | ${e.p50.toFixed(1)} | ${e.p99.toFixed(1)} | ${e.perSecond.toFixed(0)} |`), '');

    // Fresh processes: cold start and memory.
    const childEnv = { BENCH_S3: JSON.stringify(s3.resizerS3), AWS_REGION: 'us-east-1' };
    const firstEvent = resizeEventFor(`${PREFIX}/${sources[0].name}`, 'w=200&h=150&f=webp', sources[0].contentType);
    const sourceFile = path.join(os.tmpdir(), `bench-cold-${process.pid}`);
    writeFileSync(sourceFile, sources[0].bytes);
    const cold = await coldStarts(root, childEnv, firstEvent, quick ? 1 : 9, sourceFile);
    rmSync(sourceFile, { force: true });
    const modules = { sharp: requireMs(path.join(root, 'dist/resize/node_modules/sharp')), '@aws-sdk/client-s3 (no longer in the bundle)': requireMs(path.join(root, 'node_modules/@aws-sdk/client-s3')) };
    report.coldStart = { ...cold, modules };
    print('### Cold start (fresh process to first response, ms since the process started)', '', '| bundle | loaded | first response |', '|---|---|---|',
      `| bare node (no bundle) | ${formatSummary(cold.bareNode)} | |`, ...[...cold.bundles, cold.sharpOnly].map((c) => `| ${c.bundle} | ${formatSummary(c.loadedMs)} | ${formatSummary(c.firstMs)} |`), '',
      `The resize bundle's first response (its S3 GET included) over the sharp-only process's output, run in turn: ${cold.resizeOverSharpOnly.toFixed(2)}x (median of the pairs; target 1.3x); by CPU time to the first response (each process's own, every thread), ${cold.resizeOverSharpOnlyCpu.toFixed(2)}x.`, '',
      `Requiring alone, in a fresh process: ${Object.entries(modules).map(([name, ms]) => `${name} ${ms.toFixed(0)} ms`).join(', ')}.`, '');

    const big = quick ? [1920, 1080] : [3840, 2160];
    const side = Math.floor(Math.sqrt(config.maxInputPixels / 2));
    const max = quick ? [2000, 1000] : [side * 2, side];
    await s3.put(BUCKET, `${PREFIX}/mem-large.jpg`, await photoLike(big[0], big[1]), 'image/jpeg');
    const maxBytes = await sharp({ create: { width: max[0], height: max[1], channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).jpeg({ quality: 80 }).toBuffer();
    await s3.put(BUCKET, `${PREFIX}/mem-max.jpg`, maxBytes, 'image/jpeg');
    const bundle = path.join(root, 'dist/resize/index.js');
    const mixed: unknown[] = [];
    for (const source of sources) for (const g of GEOMETRIES) for (const f of FORMATS) {
      if (f === 'avif' && g.height === undefined) continue; // keep the warm run to a minute
      mixed.push(resizeEventFor(`${PREFIX}/${source.name}`, canonicalQuery(`w=${g.width}${g.height ? `&h=${g.height}` : ''}&f=${f}`, undefined, config), source.contentType));
    }
    const warmCount = quick ? 20 : Number(process.env.BENCH_WARM_REQUESTS || 1000);
    const memory = [
      { label: `fresh: ${big[0]}x${big[1]} JPEG → 640 webp`, ...await runChild({ bundle, env: childEnv, events: [resizeEventFor(`${PREFIX}/mem-large.jpg`, 'w=640&f=webp')] }) },
      { label: `fresh: ${max[0]}x${max[1]} JPEG (${quick ? 'quick: not' : ''} maxInputPixels) → 640 webp`, ...await runChild({ bundle, env: childEnv, events: [resizeEventFor(`${PREFIX}/mem-max.jpg`, 'w=640&f=webp')] }) },
      { label: `warm: after ${warmCount} mixed requests`, ...await runChild({ bundle, env: childEnv, events: mixed, repeat: Math.ceil(warmCount / mixed.length) }) },
    ];
    report.memory = memory;
    print('### Peak RSS of a fresh process running the resize bundle', '', '| case | RSS after loading MB | peak RSS MB | outcome |', '|---|---|---|---|', ...memory.map((m) => `| ${m.label} | ${m.loadedRssMb.toFixed(0)} | ${m.maxRssMb.toFixed(0)} | ${m.outcome} |`), '');

    // Cost.
    const memoryMb = config.deploy.resizeMemoryMb;
    // Priced from ours as Lambda runs it (glibc's allocator defaults), not from the comparison.
    const perFormatMs = Object.fromEntries(FORMATS.map((f) => [f, mean(asLambda.filter((r) => r.format === f).map((r) => r.ms.median))]));
    const allMs = mean(asLambda.map((r) => r.ms.median));
    const allMinMs = mean(asLambda.map((r) => r.ms.min));
    // The floor (the S3 GET plus bare sharp with our encoder settings, no handler) priced the same
    // way: no handler can cost less than this, whatever it does around sharp.
    const floorWebpJpegMs = mean(resize.filter((r) => r.format === 'webp' || r.format === 'jpeg').map((r) => r.ms.floor.min));
    // The least possible miss (least-runner.ts), priced as ours is: what no handler with our
    // reader, the header read the budget needs and our encoder settings can go below in this run.
    const leastMs = Object.fromEntries(FORMATS.map((f) => [f, mean(asLambda.filter((r) => r.format === f).map((r) => r.leastMs.median))]));
    // And with the format's fastest encoder: what no encoder setting at our quality goes below
    // with our reader, header read, decoding and kernel. Above the target, the target is out of
    // reach in this run.
    const fastestMs = Object.fromEntries(FORMATS.map((f) => [f, mean(asLambda.filter((r) => r.format === f).map((r) => r.fastestMs.median))]));
    const cost = {
      memoryMb, pricesReadOn: PRICES_READ_ON, formula: COST_FORMULA,
      perMillionTransforms: perMillionTransforms(allMs, memoryMb),
      perFormat: Object.fromEntries(FORMATS.map((f) => [f, perMillionTransforms(perFormatMs[f], memoryMb)])),
      perMillionTransformsByMin: perMillionTransforms(allMinMs, memoryMb),
      perMillionHits: perMillionHits(),
      floorWebpJpegByMin: perMillionTransforms(floorWebpJpegMs, memoryMb),
      leastPerFormat: Object.fromEntries(FORMATS.map((f) => [f, perMillionTransforms(leastMs[f], memoryMb)])),
      fastestPerFormat: Object.fromEntries(FORMATS.map((f) => [f, perMillionTransforms(fastestMs[f], memoryMb)])),
      memorySweep: memorySweep(allMs),
    };
    report.cost = cost;
    print(`### Cost (prices read ${PRICES_READ_ON}; ${COST_FORMULA})`, '',
      `At ${memoryMb} MB: $${cost.perMillionTransforms.toFixed(2)} per million transforms (ours as Lambda runs it, glibc's allocator defaults: mean of its cases' medians, ${allMs.toFixed(0)} ms here; $${cost.perMillionTransforms === undefined ? '' : cost.perMillionTransformsByMin.toFixed(2)} from its fastest rounds, ${allMinMs.toFixed(0)} ms; ${FORMATS.map((f) => `${f} $${cost.perFormat[f].toFixed(2)}`).join(', ')}), $${cost.perMillionHits.toFixed(2)} per million hits. The floor alone (S3 GET plus bare sharp, webp and jpeg cases, fastest rounds, ${floorWebpJpegMs.toFixed(0)} ms): $${cost.floorWebpJpegByMin.toFixed(2)} per million. The least possible miss (our reader's GET, one header read, the floor's sharp call; medians, same rounds as ours as Lambda): ${FORMATS.map((f) => `${f} $${cost.leastPerFormat[f].toFixed(2)} (${leastMs[f].toFixed(1)} ms)`).join(', ')}. The same with the format's fastest encoder (webp and avif at effort 0, avif with 4:2:0 chroma, jpeg without Huffman optimisation; its bytes against ours in the table above): ${FORMATS.map((f) => `${f} $${cost.fastestPerFormat[f].toFixed(2)} (${fastestMs[f].toFixed(1)} ms)`).join(', ')}.`, '',
      `Against issue 15's $${COST_TARGET_PER_MILLION.toFixed(2)} per million (to four places, since one billed millisecond at ${memoryMb} MB is $${(1e6 * (lambdaEdgeCostUsd(2, memoryMb) - lambdaEdgeCostUsd(1, memoryMb))).toFixed(3)}): ${(['webp', 'jpeg'] as const).map((f) => `${f} ${costVerdict(cost.perFormat[f], cost.leastPerFormat[f], cost.fastestPerFormat[f])} (ours $${cost.perFormat[f].toFixed(4)}, least $${cost.leastPerFormat[f].toFixed(4)}, fastest encoder $${cost.fastestPerFormat[f].toFixed(4)})`).join('; ')}.`, '',
      '| memory MB | ms at that memory | $ per million transforms |', '|---|---|---|', ...cost.memorySweep.map((m) => `| ${m.memoryMb} | ${m.ms.toFixed(0)} | ${m.perMillion.toFixed(2)} |`), '',
      '| price | source |', '|---|---|', ...Object.values(PRICE_TABLE).map((p) => `| ${p.per} | ${p.source} |`), '');

    // Scale on paper, with this run's transform times.
    const mix = Object.fromEntries(Object.entries(SCALE_INPUTS.mix).map(([f, m]) => [f, { share: m.share, ms: perFormatMs[f] ?? m.ms }]));
    const meanBytes = mean(resize.filter((r) => r.geometry === GEOMETRIES[GEOMETRIES.length - 1].label).map((r) => r.bytes.ours));
    const inputs: ScaleInputs = { ...SCALE_INPUTS, mix, resizeMemoryMb: memoryMb, meanVariantBytes: meanBytes };
    report.scale = { inputs };
    print('### Scale on paper', '', ...inputsTable(inputs), '', ...scaleTable(inputs), '');

    // How much of the run's CPU time the hypervisor gave to other guests (bench/machine.ts): one
    // reason, though not the only one, why absolute times move between runs.
    const steal = stealShare(cpuAtStart, cpuTimes(procText('stat')));
    report.stealShare = steal;
    if (steal !== undefined) print(`Steal time while the bench ran: ${(steal * 100).toFixed(1)}% of this machine's CPU time went to other guests of its hypervisor.`, '');
  } finally {
    await s3.stop();
  }
  writeFileSync(path.join(root, 'bench/results.json'), JSON.stringify(report, null, 2) + '\n');
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.stack || error.message : error}`);
  process.exit(1);
});
