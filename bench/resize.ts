// The resize comparison: for each source, size and format, four ways to make the same variant
// from the same s3rver (pipelines.ts: ours, the floor, naive and ipx), side by side each round,
// each pipeline in a process of its own that times its own calls (pipeline-child.ts).
// Each output's bytes and luma and chroma SSIM against a lossless reference resize of the same geometry.
// The order changes every round so each pipeline follows each of the others equally often (order.ts).
import sharp from 'sharp';
import type { BenchSource } from './sources';
import { chromaSsim, luma, ssim, type Luma } from './ssim';
import { roundOrder } from './order';
import { caseSpec, FORMATS, floorDecoding, PIPELINES, type BenchFormat, type CaseSpec, type FloorDecoding, type Geometry, type Lane, type Pipeline, type PipelineSetup } from './pipelines';
import { startPipelineProcess, type Allocator, type PipelineProcess } from './pipeline-process';
import { geomean, mean, summarize, type Summary } from './stats';

export interface ResizeCaseResult {
  readonly source: string;
  readonly geometry: string;
  readonly format: BenchFormat;
  readonly ms: Record<Pipeline, Summary>;
  /**
   * CPU milliseconds per call of the pipeline's own process (every thread): what a quiet
   * machine's wall time would be for single-threaded libvips, and far less disturbed by other
   * processes' load. s3rver's side of the GET runs in the bench's process and is not in it.
   */
  readonly cpuMs: Record<Pipeline, Summary>;
  /** Minor page faults per call in the pipeline's process. */
  readonly pageFaults: Record<Pipeline, Summary>;
  readonly bytes: Record<Pipeline, number>;
  readonly ssim: Record<Pipeline, number>;
  /** Mean SSIM of the Cb and Cr planes against the reference's. */
  readonly chroma: Record<Pipeline, number>;
  /** The handler's logged outcome (resized, original-smaller…). */
  readonly outcome: string;
  /** The floor's two parts, medians. */
  readonly floorParts: { readonly get: number; readonly sharp: number };
  /** Whether the floor's output is byte for byte ours (not for an Ultra HDR jpeg, whose gain map only ours keeps). */
  readonly sameAsFloor: boolean;
}

/** Where the pipelines read (PipelineSetup: the checkout, s3rver and the bucket), and how the comparison runs. */
export interface ResizeContext extends PipelineSetup {
  /** The originals' prefix in the bucket. */
  readonly prefix: string;
  readonly rounds: number;
  /**
   * Processes per pipeline, taking the rounds in turn. A process's memory allocator settles into
   * a state for a case that it keeps: in one, a call faults in a few megabytes afresh and takes
   * up to 10 ms longer, in another it does not, whichever the pipeline (docs/performance.md,
   * "Each pipeline in processes of its own, and a settled allocator"). With several, a case's median does not rest on one
   * process's luck.
   */
  readonly processesPerPipeline: number;
}

/** The lossless reference: the same geometry, resized without shrink-on-load, never encoded. */
export async function reference(bytes: Buffer, geometry: Geometry): Promise<Luma> {
  return luma(sharp(bytes).autoOrient().resize(geometry.width, geometry.height, { withoutEnlargement: true, fastShrinkOnLoad: false }));
}

export async function scoreOutput(output: Buffer, ref: Luma): Promise<number> {
  return ssim(await luma(output), ref);
}

/** Luma and chroma SSIM of an output against the reference. */
export async function scoreBoth(output: Buffer, ref: Luma): Promise<{ luma: number; chroma: number }> {
  const decoded = await luma(output);
  return { luma: ssim(decoded, ref), chroma: chromaSsim(decoded, ref) };
}

interface BenchCase {
  readonly source: BenchSource;
  readonly geometry: Geometry;
  readonly format: BenchFormat;
  readonly ref: Luma;
  readonly spec: CaseSpec;
}

function benchCase(source: BenchSource, geometry: Geometry, format: BenchFormat, ref: Luma, decoding: FloorDecoding, prefix: string): BenchCase {
  const spec = caseSpec(`${prefix}/${source.name}`, source.contentType, geometry, format, ref.width * ref.height, decoding);
  return { source, geometry, format, ref, spec };
}

/** The cases, in the order they are run: one format at a time, avif last. */
async function prepareCases(sources: readonly BenchSource[], geometries: readonly Geometry[], prefix: string): Promise<{ cases: BenchCase[]; formats: BenchFormat[] }> {
  const prepared: { source: BenchSource; geometry: Geometry; ref: Luma; decoding: FloorDecoding }[] = [];
  for (const source of sources) {
    const decoding = await floorDecoding(source.bytes);
    for (const geometry of geometries) prepared.push({ source, geometry, ref: await reference(source.bytes, geometry), decoding });
  }
  // One format at a time, avif last: naive's and ipx's effort-4 avif encodes take seconds and
  // leave the machine slower for the calls after them, whichever pipeline makes those calls
  // (about 3% on the next call: docs/performance.md, "The handler against the floor, avif"), so webp and jpeg are not measured in
  // their wake.
  const formats = [...FORMATS].sort((a, b) => Number(a === 'avif') - Number(b === 'avif'));
  const cases: BenchCase[] = [];
  for (const format of formats) {
    for (const { source, geometry, ref, decoding } of prepared) cases.push(benchCase(source, geometry, format, ref, decoding, prefix));
  }
  return { cases, formats };
}

/** The results in the table's order: source, size, format. */
function tableOrder<T extends { source: string; geometry: string; format: BenchFormat }>(results: T[], sources: readonly BenchSource[], geometries: readonly Geometry[]): T[] {
  const position = (r: T) => (sources.findIndex((s) => s.name === r.source) * geometries.length + geometries.findIndex((g) => g.label === r.geometry)) * FORMATS.length + FORMATS.indexOf(r.format);
  return results.sort((a, b) => position(a) - position(b));
}

export interface ResizeBench {
  /** The four pipelines side by side, every process's allocator settled. */
  readonly comparison: ResizeCaseResult[];
  /** Ours again with glibc's allocator defaults, as Lambda runs it (the figures the cost is priced from), beside the least possible miss and the fastest encoder's. */
  readonly asLambda: OursCaseResult[];
}

/** The Lambda pass: ours, the least a miss can take with its parts, and the same with the fastest encoder, in a balanced order (order.ts). */
const AS_LAMBDA = ['ours', 'least', 'fastest'] as const;

export async function benchResize(sources: readonly BenchSource[], geometries: readonly Geometry[], ctx: ResizeContext): Promise<ResizeBench> {
  const { cases, formats } = await prepareCases(sources, geometries, ctx.prefix);
  const samples = cases.map(() => emptySamples(PIPELINES));
  const lambdaSamples = cases.map(() => emptySamples(AS_LAMBDA));
  await inProcesses(PIPELINES, 'settled', ctx, (processes) => inProcesses(AS_LAMBDA, 'defaults', ctx, async (lambdaProcesses) => {
    // Each format's comparison, then ours as Lambda on the same format: both follow the same
    // work (a first run of ours as Lambda after the whole comparison, so after its avif phase,
    // took 0.2-5.4 ms more CPU on 13 of the 14 webp cases: docs/performance.md, "Each pipeline in
    // processes of its own, and a settled allocator").
    for (const format of formats) {
      await measure(cases, format, geometries, PIPELINES, processes, ctx.rounds, samples);
      await measure(cases, format, geometries, AS_LAMBDA, lambdaProcesses, ctx.rounds, lambdaSamples);
    }
  }));
  const comparison: ResizeCaseResult[] = [];
  for (let i = 0; i < cases.length; i++) {
    const { source, geometry, format, ref } = cases[i];
    const { ms, cpuMs, pageFaults, outputs, gets, sharps, outcome } = samples[i];
    const scores = {} as Record<Pipeline, number>;
    const chroma = {} as Record<Pipeline, number>;
    const sizes = {} as Record<Pipeline, number>;
    for (const pipeline of PIPELINES) {
      sizes[pipeline] = outputs[pipeline]!.length;
      const both = await scoreBoth(outputs[pipeline]!, ref);
      scores[pipeline] = both.luma;
      chroma[pipeline] = both.chroma;
    }
    const each = (values: Partial<Record<Pipeline, number[]>>) => Object.fromEntries(PIPELINES.map((p) => [p, summarize(values[p]!)])) as Record<Pipeline, Summary>;
    const result: ResizeCaseResult = {
      source: source.name, geometry: geometry.label, format, outcome,
      ms: each(ms), cpuMs: each(cpuMs), pageFaults: each(pageFaults),
      bytes: sizes, ssim: scores, chroma,
      floorParts: { get: summarize(gets).median, sharp: summarize(sharps).median },
      sameAsFloor: outputs.ours!.equals(outputs.floor!),
    };
    comparison.push(result);
  }
  const asLambda = cases.map(({ source, geometry, format }, i) => ({
    source: source.name, geometry: geometry.label, format,
    ms: summarize(lambdaSamples[i].ms.ours!), cpuMs: summarize(lambdaSamples[i].cpuMs.ours!), pageFaults: summarize(lambdaSamples[i].pageFaults.ours!),
    leastMs: summarize(lambdaSamples[i].ms.least!),
    fastestMs: summarize(lambdaSamples[i].ms.fastest!),
    fastestBytesOverOurs: lambdaSamples[i].outputs.fastest!.length / lambdaSamples[i].outputs.ours!.length,
  }));
  return { comparison: tableOrder(comparison, sources, geometries), asLambda: tableOrder(asLambda, sources, geometries) };
}

/** Ours alone, one case's figures, with the allocator as Lambda has it (glibc's defaults). */
export interface OursCaseResult {
  readonly source: string;
  readonly geometry: string;
  readonly format: BenchFormat;
  readonly ms: Summary;
  readonly cpuMs: Summary;
  readonly pageFaults: Summary;
  /** The least a miss can take with the handler's own parts, in processes like ours' and the same rounds (least-runner.ts). */
  readonly leastMs: Summary;
  /** The same with the format's fastest encoder (fastestTransform): the least any encoder setting can take. */
  readonly fastestMs: Summary;
  /** Its output's bytes over ours': how far past the bytes bound the fastest encoder is. */
  readonly fastestBytesOverOurs: number;
}

/**
 * Runs `body` with ctx.processesPerPipeline processes of each of `lanes` (pipeline-child.ts),
 * each timing its own calls: in the bench's own process, its major garbage collections (its
 * heap holds s3rver, the results and the reference planes) landed in whichever call was running,
 * most often ours (docs/performance.md, "Each pipeline in processes of its own, and a settled allocator").
 */
async function inProcesses<T>(lanes: readonly Lane[], allocator: Allocator, ctx: ResizeContext, body: (processes: Partial<Record<Lane, PipelineProcess[]>>) => Promise<T>): Promise<T> {
  const setup: PipelineSetup = { root: ctx.root, bucket: ctx.bucket, s3: ctx.s3 }; // only what crosses to the child
  const starting = lanes.map((lane) => Array.from({ length: ctx.processesPerPipeline }, () => startPipelineProcess(lane, setup, allocator)));
  try {
    const processes: Partial<Record<Lane, PipelineProcess[]>> = {};
    for (let i = 0; i < lanes.length; i++) processes[lanes[i]] = await Promise.all(starting[i]);
    return await body(processes);
  } finally {
    for (const result of await Promise.allSettled(starting.flat())) if (result.status === 'fulfilled') result.value.stop();
  }
}

interface CaseSamples {
  readonly ms: Partial<Record<Lane, number[]>>;
  readonly cpuMs: Partial<Record<Lane, number[]>>;
  readonly pageFaults: Partial<Record<Lane, number[]>>;
  readonly outputs: Partial<Record<Lane, Buffer>>;
  readonly gets: number[];
  readonly sharps: number[];
  outcome: string;
}

function emptySamples(lanes: readonly Lane[]): CaseSamples {
  const lists = () => Object.fromEntries(lanes.map((lane) => [lane, [] as number[]]));
  return { ms: lists(), cpuMs: lists(), pageFaults: lists(), outputs: {}, gets: [], sharps: [], outcome: '' };
}

/** The order of one round's calls: balanced over the cycle for several pipelines (order.ts). */
function laneOrder(lanes: readonly Lane[], round: number): readonly Lane[] {
  return lanes.length === 1 ? lanes : roundOrder(lanes, round);
}

/** One format's cases through `lanes`, into `samples` (one per case, in cases' order). */
async function measure(cases: readonly BenchCase[], format: BenchFormat, geometries: readonly Geometry[], lanes: readonly Lane[],
  processes: Partial<Record<Lane, readonly PipelineProcess[]>>, rounds: number, samples: CaseSamples[]): Promise<void> {
  // Rounds outermost within each format: a case's rounds are spread over the whole format's run
  // rather than made back to back, so a burst of the machine's other work (they last seconds,
  // longer than a case's rounds together) lands on one round of many cases, which their medians
  // drop, not on every round of one case (docs/performance.md, "Main at 6a84ef7 and after").
  // One untimed call of every pipeline on every source (at the first size) in this format,
  // right before its first timed round: V8 compiles the handler's hot functions on background
  // threads after its first calls, so with only each case's own warm-up round the first case
  // measured that compilation (docs/performance.md, "Main at 6a84ef7 and after").
  // Every process of every pipeline makes this pass.
  for (const c of cases) if (c.format === format && c.geometry === geometries[0]) for (const lane of lanes) for (const instance of processes[lane]!) await instance.run(c.spec);
  for (let round = 0; round <= rounds; round++) {
    let next = 0; // the case's place in this round: the rows go on from case to case (order.ts)
    for (let i = 0; i < cases.length; i++) {
      if (cases[i].format !== format) continue;
      const sample = samples[i];
      for (const lane of laneOrder(lanes, round + next++)) {
        const instances = processes[lane]!;
        if (round === 0) {
          // The case's warm-up (caches, sockets, JIT) in every process of the pipeline.
          for (const instance of instances) {
            const { bytes, outcome } = await instance.run(cases[i].spec);
            sample.outputs[lane] = bytes;
            if (outcome !== undefined) sample.outcome = outcome;
          }
          continue;
        }
        // The processes take the rounds in turn: with 6 rounds and 3 processes, two each.
        const { bytes, parts, outcome, ms, cpuMs, pageFaults } = await instances[round % instances.length].run(cases[i].spec);
        sample.outputs[lane] = bytes;
        if (outcome !== undefined) sample.outcome = outcome;
        sample.cpuMs[lane]!.push(cpuMs);
        sample.pageFaults[lane]!.push(pageFaults);
        if (parts) {
          sample.gets.push(parts.get);
          sample.sharps.push(parts.sharp);
          sample.ms[lane]!.push(parts.get + parts.sharp);
        } else sample.ms[lane]!.push(ms);
      }
    }
  }
}

export interface FormatVerdict {
  readonly format: BenchFormat;
  /** Geometric mean of naive ms / ours ms over medians (and over minimums, the least disturbed runs): above 1 means ours is faster. */
  readonly speedVsNaive: number;
  readonly speedVsNaiveByMin: number;
  /** The same over CPU time (medians): the figure least moved by the machine's other work. */
  readonly speedVsNaiveCpu: number;
  readonly speedVsIpx: number;
  readonly speedVsIpxByMin: number;
  /** Geometric mean of ours bytes / naive bytes, minus 1, over the cases where naive's output is right. */
  readonly bytesVsNaive: number;
  /** Mean of ours SSIM minus naive SSIM, same cases. */
  readonly ssimVsNaive: number;
  /** The same for chroma SSIM. */
  readonly chromaVsNaive: number;
  /** Cases left out of bytes and SSIM because naive's output is wrong (transparency on black for jpeg). */
  readonly naiveWrong: number;
  /** Geometric mean of ours ms / floor ms (medians, and minimums). */
  readonly oursOverFloor: number;
  readonly oursOverFloorByMin: number;
  readonly oursOverFloorCpu: number;
  /** ours / floor (medians) over the cases where the floor's output is byte for byte ours: the handler's own cost, without the work only ours does (an Ultra HDR jpeg's gain map). */
  readonly oursOverFloorSameOutput: number;
  readonly sameOutputCases: number;
}

/** Below this, an output does not show the image (naive flattens transparency onto black). */
const BROKEN_SSIM = 0.5;

export function verdicts(results: readonly ResizeCaseResult[]): FormatVerdict[] {
  return FORMATS.map((format) => {
    const rows = results.filter((r) => r.format === format);
    const valid = rows.filter((r) => r.ssim.naive >= BROKEN_SSIM);
    return {
      format,
      speedVsNaive: geomean(rows.map((r) => r.ms.naive.median / r.ms.ours.median)),
      speedVsNaiveByMin: geomean(rows.map((r) => r.ms.naive.min / r.ms.ours.min)),
      speedVsNaiveCpu: geomean(rows.map((r) => r.cpuMs.naive.median / r.cpuMs.ours.median)),
      speedVsIpx: geomean(rows.map((r) => r.ms.ipx.median / r.ms.ours.median)),
      speedVsIpxByMin: geomean(rows.map((r) => r.ms.ipx.min / r.ms.ours.min)),
      bytesVsNaive: geomean(valid.map((r) => r.bytes.ours / r.bytes.naive)) - 1,
      ssimVsNaive: mean(valid.map((r) => r.ssim.ours - r.ssim.naive)),
      chromaVsNaive: mean(valid.map((r) => r.chroma.ours - r.chroma.naive)),
      naiveWrong: rows.length - valid.length,
      oursOverFloor: geomean(rows.map((r) => r.ms.ours.median / r.ms.floor.median)),
      oursOverFloorByMin: geomean(rows.map((r) => r.ms.ours.min / r.ms.floor.min)),
      oursOverFloorCpu: geomean(rows.map((r) => r.cpuMs.ours.median / r.cpuMs.floor.median)),
      oursOverFloorSameOutput: geomean(rows.filter((r) => r.sameAsFloor).map((r) => r.ms.ours.median / r.ms.floor.median)),
      sameOutputCases: rows.filter((r) => r.sameAsFloor).length,
    };
  });
}
