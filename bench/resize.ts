// The resize comparison: for each source, size and format, four ways to make the same variant
// from the same s3rver, run side by side in one process each round:
//   ours   the built dist/resize bundle, origin-response event in, response out (S3 GET, base64,
//          ETag and the log line included)
//   floor  the S3 GET plus bare sharp making our output (our resize kernel, encoder settings, ICC
//          decoding and jpeg flattening: floorTransform), each timed on its own
//   naive  the seed's pipeline: buffered GetObject, sharp(body).resize(w, h).toFormat(f, { quality })
//   ipx    unjs/ipx in-process, reading the same object through the SDK
// Each output's bytes and luma and chroma SSIM against a lossless reference resize of the same geometry.
// The order changes every round so each pipeline follows each of the others equally often (order.ts).
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CloudFrontResultResponse } from 'aws-lambda';
import { createIPX, type IPXStorage } from 'ipx';
import sharp from 'sharp';
import { canonicalQuery } from '../shared/canonical';
import { DEFAULT_CONFIG } from '../shared/config';
import { ENCODERS, RESIZE_KERNEL } from '../functions/resize/operations';
import { decodesAsUntaggedSrgb } from '../functions/resize/srgb-profile';
import { originResponse } from '../test/helpers/events';
import type { BenchSource } from './sources';
import { chromaSsim, luma, ssim, type Luma } from './ssim';
import { roundOrder } from './order';
import { geomean, mean, summarize, type Summary } from './stats';

export const PIPELINES = ['ours', 'floor', 'naive', 'ipx'] as const;
export type Pipeline = (typeof PIPELINES)[number];
export const FORMATS = ['webp', 'avif', 'jpeg'] as const;
export type BenchFormat = (typeof FORMATS)[number];

export interface Geometry {
  readonly label: string;
  readonly width: number;
  readonly height?: number;
}
export const GEOMETRIES: readonly Geometry[] = [
  { label: '200x150 cover', width: 200, height: 150 },
  { label: '640 wide', width: 640 },
];

export type Handler = (event: unknown) => Promise<CloudFrontResultResponse>;

export interface ResizeCaseResult {
  readonly source: string;
  readonly geometry: string;
  readonly format: BenchFormat;
  readonly ms: Record<Pipeline, Summary>;
  /**
   * CPU milliseconds of this process (every thread) per call: what a quiet machine's wall time
   * would be for single-threaded libvips, and far less disturbed by other processes' load.
   */
  readonly cpuMs: Record<Pipeline, Summary>;
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

export interface ResizeContext {
  readonly handler: Handler;
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly rounds: number;
  /** The handler's log lines, captured so they stay off the table. */
  readonly logged: string[];
}

function quality(format: BenchFormat): number {
  return DEFAULT_CONFIG.quality[format];
}

async function getObject(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await output.Body!.transformToByteArray();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** How the floor decodes a source: what the handler decides from the source's header, decided once outside the timed call. */
export interface FloorDecoding {
  /** The handler's rule (decodesAsUntaggedSrgb in functions/resize/srgb-profile.ts). */
  readonly ignoreIcc: boolean;
}

export async function floorDecoding(bytes: Buffer): Promise<FloorDecoding> {
  return { ignoreIcc: decodesAsUntaggedSrgb(await sharp(bytes).metadata()) };
}

/**
 * The floor's sharp call, the one definition every side-by-side comparison uses (run.ts,
 * compare-builds.ts, stages.ts): bare sharp making the handler's output with our resize kernel, our
 * exact encoder settings (the resizer's own table) for an output of `pixels` pixels (the
 * encoders' effort rule), our decoding of the source's ICC profile and, for jpeg, transparency
 * flattened onto white as the handler does (on an image without alpha sharp's flatten does nothing).
 */
export function floorTransform(input: Buffer, geometry: Geometry, format: BenchFormat, pixels: number, decoding: FloorDecoding): Promise<Buffer> {
  const decoded = sharp(input, { ignoreIcc: decoding.ignoreIcc });
  const flattened = format === 'jpeg' ? decoded.flatten({ background: '#ffffff' }) : decoded;
  const resized = flattened.resize(geometry.width, geometry.height, { withoutEnlargement: true, kernel: RESIZE_KERNEL });
  return ENCODERS[format](resized, { quality: quality(format), pixels }).toBuffer();
}

function s3Storage(client: S3Client, bucket: string): IPXStorage {
  return {
    name: 's3',
    getMeta: async () => ({}),
    getData: async (id: string) => {
      const bytes = await getObject(client, bucket, id.replace(/^\/+/, ''));
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
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

type Run = () => Promise<{ bytes: Buffer; parts?: { get: number; sharp: number } }>;

interface BenchCase {
  readonly source: BenchSource;
  readonly geometry: Geometry;
  readonly format: BenchFormat;
  readonly ref: Luma;
  readonly runs: Record<Pipeline, Run>;
  /** The handler's logged outcome of its last call. */
  readonly outcome: () => string;
}

function benchCase(source: BenchSource, geometry: Geometry, format: BenchFormat, ref: Luma, decoding: FloorDecoding, ctx: ResizeContext, ipx: ReturnType<typeof createIPX>): BenchCase {
  const key = `${ctx.prefix}/${source.name}`;
  const raw = `w=${geometry.width}${geometry.height ? `&h=${geometry.height}` : ''}&f=${format}`;
  const querystring = canonicalQuery(raw, undefined, DEFAULT_CONFIG);
  let outcome = '';
  const runs: Record<Pipeline, Run> = {
    ours: async () => {
      const result = await ctx.handler(originResponse({ uri: `/${key}`, querystring, contentType: source.contentType }));
      outcome = JSON.parse(ctx.logged[ctx.logged.length - 1] || '{}').outcome || '';
      if (!result.body) throw new Error(`the handler passed ${key}?${querystring} through (${outcome})`);
      return { bytes: Buffer.from(result.body, 'base64') };
    },
    floor: async () => {
      let mark = performance.now();
      const input = await getObject(ctx.client, ctx.bucket, key);
      const get = performance.now() - mark;
      mark = performance.now();
      const bytes = await floorTransform(input, geometry, format, ref.width * ref.height, decoding);
      return { bytes, parts: { get, sharp: performance.now() - mark } };
    },
    naive: async () => {
      const input = await getObject(ctx.client, ctx.bucket, key);
      return { bytes: await sharp(input).resize(geometry.width, geometry.height).toFormat(format, { quality: quality(format) }).toBuffer() };
    },
    ipx: async () => {
      const modifiers: Record<string, string> = { format, quality: String(quality(format)) };
      if (geometry.height) modifiers.resize = `${geometry.width}x${geometry.height}`;
      else modifiers.w = String(geometry.width);
      const { data } = await ipx(`/${key}`, modifiers).process();
      return { bytes: Buffer.from(data as Buffer) };
    },
  };
  return { source, geometry, format, ref, runs, outcome: () => outcome };
}

export async function benchResize(sources: readonly BenchSource[], geometries: readonly Geometry[], ctx: ResizeContext, onCase?: (r: ResizeCaseResult) => void): Promise<ResizeCaseResult[]> {
  const ipx = createIPX({ storage: s3Storage(ctx.client, ctx.bucket) });
  const prepared: { source: BenchSource; geometry: Geometry; ref: Luma; decoding: FloorDecoding }[] = [];
  for (const source of sources) {
    const decoding = await floorDecoding(source.bytes);
    for (const geometry of geometries) prepared.push({ source, geometry, ref: await reference(source.bytes, geometry), decoding });
  }
  // One format at a time, avif last: naive's and ipx's effort-4 avif encodes take seconds and
  // leave the process slower for the calls after them, whichever pipeline makes those calls
  // (about 3% on the next call: docs/performance.md, "The handler against the floor, avif"), so webp and jpeg are not measured in
  // their wake. The results come back in the table's order (source, size, format).
  const formats = [...FORMATS].sort((a, b) => Number(a === 'avif') - Number(b === 'avif'));
  const cases: BenchCase[] = [];
  for (const format of formats) {
    for (const { source, geometry, ref, decoding } of prepared) cases.push(benchCase(source, geometry, format, ref, decoding, ctx, ipx));
  }
  // Rounds outermost within each format: a case's rounds are spread over the whole format's run
  // rather than made back to back, so a burst of the machine's other work (they last seconds,
  // longer than a case's rounds together) lands on one round of many cases, which their medians
  // drop, not on every round of one case (docs/performance.md, "Main at 6a84ef7 and after").
  const samples = cases.map(() => ({
    ms: { ours: [], floor: [], naive: [], ipx: [] } as Record<Pipeline, number[]>,
    cpuMs: { ours: [], floor: [], naive: [], ipx: [] } as Record<Pipeline, number[]>,
    outputs: {} as Record<Pipeline, Buffer>,
    gets: [] as number[],
    sharps: [] as number[],
  }));
  for (const format of formats) {
    // One untimed call of every pipeline on every source (at the first size) in this format,
    // right before its first timed round: V8 compiles the handler's hot functions on background
    // threads after its first calls (CPU this process is charged for), so with only each case's
    // own warm-up round the first case measured that compilation (docs/performance.md, "Main at
    // 6a84ef7 and after"). Ours still sometimes takes 2-3x its CPU time on the largest sources in
    // a phase that follows another; warming up per format did not remove that (not explained,
    // same section).
    for (const c of cases) if (c.format === format && c.geometry === geometries[0]) for (const pipeline of PIPELINES) await c.runs[pipeline]();
    for (let round = 0; round <= ctx.rounds; round++) {
      let next = 0; // the case's place in this round: the rows go on from case to case (order.ts)
      for (let i = 0; i < cases.length; i++) {
        if (cases[i].format !== format) continue;
        const { ms, cpuMs, outputs, gets, sharps } = samples[i];
        for (const pipeline of roundOrder(PIPELINES, round + next++)) {
          const started = performance.now();
          const cpuStarted = process.cpuUsage();
          const { bytes, parts } = await cases[i].runs[pipeline]();
          const elapsed = performance.now() - started;
          const cpu = process.cpuUsage(cpuStarted);
          outputs[pipeline] = bytes;
          if (round === 0) continue; // warm-up: caches, sockets, JIT
          cpuMs[pipeline].push((cpu.user + cpu.system) / 1000);
          if (parts) {
            gets.push(parts.get);
            sharps.push(parts.sharp);
            ms[pipeline].push(parts.get + parts.sharp);
          } else ms[pipeline].push(elapsed);
        }
      }
    }
  }
  const results: ResizeCaseResult[] = [];
  for (let i = 0; i < cases.length; i++) {
    const { source, geometry, format, ref, outcome } = cases[i];
    const { ms, cpuMs, outputs, gets, sharps } = samples[i];
    const scores = {} as Record<Pipeline, number>;
    const chroma = {} as Record<Pipeline, number>;
    const sizes = {} as Record<Pipeline, number>;
    for (const pipeline of PIPELINES) {
      sizes[pipeline] = outputs[pipeline].length;
      const both = await scoreBoth(outputs[pipeline], ref);
      scores[pipeline] = both.luma;
      chroma[pipeline] = both.chroma;
    }
    const result: ResizeCaseResult = {
      source: source.name, geometry: geometry.label, format, outcome: outcome(),
      ms: { ours: summarize(ms.ours), floor: summarize(ms.floor), naive: summarize(ms.naive), ipx: summarize(ms.ipx) },
      cpuMs: { ours: summarize(cpuMs.ours), floor: summarize(cpuMs.floor), naive: summarize(cpuMs.naive), ipx: summarize(cpuMs.ipx) },
      bytes: sizes, ssim: scores, chroma,
      floorParts: { get: summarize(gets).median, sharp: summarize(sharps).median },
      sameAsFloor: outputs.ours.equals(outputs.floor),
    };
    results.push(result);
    onCase?.(result);
  }
  const position = (r: ResizeCaseResult) => prepared.findIndex((p) => p.source.name === r.source && p.geometry.label === r.geometry) * FORMATS.length + FORMATS.indexOf(r.format);
  return results.sort((a, b) => position(a) - position(b));
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
