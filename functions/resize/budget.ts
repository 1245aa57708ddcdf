// The encode budget: how many output pixels each encoder can be trusted to finish before the
// deadline, after everything the plan does before the encoder (decoding every frame it reads,
// a geometry pass, edits on every output pixel) has had its share. libvips checks sharp's timeout() only on its progress signal, and several
// encoders report no progress while they run (libheif/aom for avif, libimagequant for a png
// palette, libwebp per frame), so once such an encode has started nothing in the process can
// stop it. The resizer therefore never starts an encode it cannot finish: the first encode's
// output area is capped to what fits half the deadline (the worst case scaled by the source's
// density), and a size-ladder step runs only if its estimate fits in the time left.
import type { Config } from '../../shared/config';
import type { OutputFormat } from '../../shared/params';
import type { Box, TransformPlan } from '../../shared/plan';
import { needsGeometryPass } from './operations';

/**
 * Worst-case encode speed in output pixels per CPU-second: incompressible noise at the
 * default quality, sharp 0.35.5 (libvips 8.18, aom 3.15), one core of the 2-core dev machine,
 * measured on 2026-12-01 (docs/behaviour.md, "Limits of one invocation"). The budget is for the attack;
 * sourceComplexity scales it down for the ordinary photo.
 */
export const WORST_CASE_PIXELS_PER_CPU_SECOND: Readonly<Record<OutputFormat, number>> = {
  avif: 90_000,
  gif: 140_000,
  png: 8_000_000,
  webp: 3_000_000,
  jpeg: 20_000_000,
};
/**
 * gif of an animated source: every frame is quantised and dithered on its own. Seen at 74,000
 * output px per CPU-second for a 500-frame noise WebP (issue 15), against 140,000 for a still.
 */
export const ANIMATED_GIF_PIXELS_PER_CPU_SECOND = 74_000;
/**
 * And a cost by the source's decoded pixels (all frames) whatever the output size: 100 frames
 * of a 200x200 noise WebP took 2.1 CPU-seconds to become a 20x20 gif (1.9 million source px per
 * CPU-second; decoding and resizing alone were 0.2 s), 2026-12-02. So the 500-frame source
 * asked as gif cannot fit a 12 s deadline at any size, while 16000 frames of 8x8 (1 million
 * pixels, hostile.test.ts) still can.
 */
export const ANIMATED_GIF_SOURCE_PIXELS_PER_CPU_SECOND = 1_900_000;
/**
 * Decoding, per decoded pixel (every frame the plan reads), and the raw geometry pass (a crop
 * with a rotation, operations.ts) per source pixel: a noise JPEG (q95) decodes at 32.6 million
 * px per CPU-second and goes through rotate-and-crop at 22.0 million (sharp 0.35.5, one core of
 * the 2-core dev machine under other load, 2026-12-02); both rounded down. Neither shrinks with
 * the output, so they come off the encode's share of the deadline first.
 */
export const DECODE_PIXELS_PER_CPU_SECOND = 20_000_000;
export const GEOMETRY_PASS_PIXELS_PER_CPU_SECOND = 15_000_000;
/**
 * CPU-seconds per output pixel that an edit after the resize adds, by its parameter: measured
 * on a 1-megapixel noise image as the time over a plain resize, same machine and day: blur 10
 * adds 0.07 s per megapixel, blur 100 0.20 s; sharpen 1 adds 0.08 s, sharpen 10 0.22 s. The
 * lines below are at or above each point. An operation that costs per pixel gets a row here.
 */
export const EDIT_SECONDS_PER_PIXEL: Readonly<Record<'blur' | 'sharpen', (value: number) => number>> = {
  blur: (sigma) => (1 + sigma / 25) / 10_000_000,
  sharpen: (sigma) => (1 + sigma / 3) / 15_000_000,
};
/** The png step of the ladder (a 256-colour palette) quantises with libimagequant. */
export const PALETTE_PIXELS_PER_CPU_SECOND = 130_000;
/** Share of the deadline the first encode may take; the rest is fetch, decode and the ladder. */
export const FIRST_ENCODE_SHARE = 0.5;
/** Share of the time left that a later step of the size ladder may take at worst. */
export const LADDER_STEP_SHARE = 0.5;
/**
 * Encode time tracks the image's complexity, and the originals are the site's own files (an
 * attacker picks only the requested size), so the worst case is scaled by the source's
 * compressed density: bytes per decoded pixel (all frames) against noise's. Measured with
 * sharp 0.35.5 on the 2-core dev machine, 2026-12-01, avif q50 effort 3 at 1024 wide:
 * a noise JPEG (q100) is 1.41 bytes/px and encodes at 678,000 px per CPU-second;
 * examples/bucket/dev/photo.jpg (1500x1000) is 0.027 bytes/px and 1,113,000 px/CPU-s, the
 * Seoul night photo 0.074 bytes/px and 579,000. One byte per pixel or more counts as noise.
 */
export const NOISE_BYTES_PER_PIXEL = 1;
/**
 * The least share of the worst case any source is charged, so a tiny-bytes source cannot
 * claim zero cost: 0.25 credits at most 360,000 avif px/CPU-s, below every photo measured.
 */
export const MIN_COMPLEXITY = 0.25;
/** Lambda gives one full vCPU at 1769 MB and a proportional share below. */
const MB_PER_VCPU = 1769;

export interface Size { readonly width: number; readonly height: number }

function cpuShare(config: Config): number {
  return Math.min(1, config.deploy.resizeMemoryMb / MB_PER_VCPU);
}

/**
 * The share of the worst-case encode cost a source is charged, from MIN_COMPLEXITY to 1: its
 * bytes per decoded pixel (all frames) relative to noise's. gif gets no credit: a 64-px noise
 * tile repeated over 4096x4096 is 0.09 bytes per pixel as PNG, but once resized it is noise
 * again, and gif's quantiser and dither pay for every pixel of it (a 4096-wide gif of it ran
 * the whole 12 s deadline with the credit; issue 15).
 */
export function sourceComplexity(sourceBytes: number, decodedPixels: number, format?: OutputFormat): number {
  if (format === 'gif') return 1;
  if (!(decodedPixels > 0)) return 1;
  return Math.min(1, Math.max(MIN_COMPLEXITY, sourceBytes / decodedPixels / NOISE_BYTES_PER_PIXEL));
}

/** What a plan costs besides its encoder's speed (pipelineCosts). */
export interface PipelineCosts {
  /** Seconds that do not shrink with the output: decoding, the geometry pass. */
  readonly fixedSeconds: number;
  /** Seconds per output pixel of the edits after the resize. */
  readonly editSecondsPerPixel: number;
  /** Whether the output is an animation (gif's slower speed). */
  readonly animated: boolean;
}

const NO_COSTS: PipelineCosts = { fixedSeconds: 0, editSecondsPerPixel: 0, animated: false };

/** The costs of everything the plan runs before its encoder, on this source (stored size, frames). */
export function pipelineCosts(plan: TransformPlan, source: Size, frames: number, config: Config): PipelineCosts {
  const decoded = source.width * source.height * (plan.animated ? frames : 1);
  let fixed = decoded / DECODE_PIXELS_PER_CPU_SECOND;
  if (needsGeometryPass(plan)) fixed += decoded / GEOMETRY_PASS_PIXELS_PER_CPU_SECOND;
  if (plan.animated && plan.format === 'gif') fixed += decoded / ANIMATED_GIF_SOURCE_PIXELS_PER_CPU_SECOND;
  let perPixel = 0;
  for (const name of Object.keys(EDIT_SECONDS_PER_PIXEL) as Array<keyof typeof EDIT_SECONDS_PER_PIXEL>) {
    const value = Number(plan.transform[name]);
    if (value > 0) perPixel += EDIT_SECONDS_PER_PIXEL[name](value);
  }
  return { fixedSeconds: fixed / cpuShare(config), editSecondsPerPixel: perPixel / cpuShare(config), animated: plan.animated };
}

function encodeSpeed(format: OutputFormat, palette: boolean, animated: boolean): number {
  if (palette) return PALETTE_PIXELS_PER_CPU_SECOND;
  return format === 'gif' && animated ? ANIMATED_GIF_PIXELS_PER_CPU_SECOND : WORST_CASE_PIXELS_PER_CPU_SECOND[format];
}

/**
 * Seconds one render of `pixels` output pixels (all frames) may take at worst, for a source of
 * that complexity: the pipeline's costs, then the encode.
 */
export function encodeSeconds(pixels: number, format: OutputFormat, palette: boolean, config: Config, complexity = 1, costs: PipelineCosts = NO_COSTS): number {
  const speed = encodeSpeed(format, palette, costs.animated);
  return costs.fixedSeconds + pixels * costs.editSecondsPerPixel + (pixels * complexity) / (speed * cpuShare(config));
}

/** Whether the pipeline's fixed costs alone (decoding, a geometry pass, gif's frames) overrun the first render's share of `deadlineMs`. */
export function overrunPredicted(costs: PipelineCosts, deadlineMs: number): boolean {
  return costs.fixedSeconds * 1000 > deadlineMs * FIRST_ENCODE_SHARE;
}

/** The largest output (all frames) the first render may have within `deadlineMs`: at least 1 pixel. */
export function pixelBudget(format: OutputFormat, deadlineMs: number, config: Config, complexity = 1, costs: PipelineCosts = NO_COSTS): number {
  const seconds = (deadlineMs / 1000) * FIRST_ENCODE_SHARE - costs.fixedSeconds;
  const perPixel = complexity / (encodeSpeed(format, false, costs.animated) * cpuShare(config)) + costs.editSecondsPerPixel;
  return Math.max(1, Math.floor(seconds / perPixel));
}

/** The size sharp will produce for this plan (one frame), from the source's displayed size. */
export function outputSize(source: Size, plan: TransformPlan): Size {
  const r = plan.resize;
  if (!r) return source;
  const noEnlarge = (scale: number) => (r.withoutEnlargement ? Math.min(1, scale) : scale);
  const scaled = (scale: number) => ({ width: Math.max(1, Math.round(source.width * scale)), height: Math.max(1, Math.round(source.height * scale)) });
  if (r.width !== undefined && r.height !== undefined) {
    const sx = r.width / source.width;
    const sy = r.height / source.height;
    if (r.fit === 'inside') return scaled(noEnlarge(Math.min(sx, sy)));
    if (r.fit === 'outside') return scaled(noEnlarge(Math.max(sx, sy)));
    if (!r.withoutEnlargement) return { width: r.width, height: r.height };
    return { width: Math.min(r.width, source.width), height: Math.min(r.height, source.height) };
  }
  if (r.width !== undefined) return scaled(noEnlarge(r.width / source.width));
  return scaled(noEnlarge(r.height! / source.height));
}

/** A box scaled by sx and sy, kept inside `within` and at least one pixel. */
export function shrinkBox(box: Box, sx: number, sy: number, within: Size): Box {
  const left = Math.min(within.width - 1, Math.floor(box.left * sx));
  const top = Math.min(within.height - 1, Math.floor(box.top * sy));
  return {
    left, top,
    width: Math.max(1, Math.min(within.width - left, Math.floor(box.width * sx))),
    height: Math.max(1, Math.min(within.height - top, Math.floor(box.height * sy))),
  };
}

export interface CappedPlan {
  readonly plan: TransformPlan;
  readonly size: Size;
  /** Set when the output was made smaller than asked: the size that was asked for. */
  readonly cappedFrom?: Size;
}

/**
 * Caps the plan's output area (times frames when animated) to the format's budget, keeping
 * the aspect ratio and the fit: `?w=4096&f=avif` of a large photo becomes the largest avif
 * that can be encoded in time, rather than an encode that runs on after the answer is gone.
 */
export function capToBudget(plan: TransformPlan, source: Size, frames: number, deadlineMs: number, config: Config, complexity = 1, costs: PipelineCosts = NO_COSTS): CappedPlan {
  const size = outputSize(source, plan);
  const budget = pixelBudget(plan.format, deadlineMs, config, complexity, costs);
  const pixels = size.width * size.height * (plan.animated ? frames : 1);
  if (pixels <= budget) return { plan, size };
  const factor = Math.sqrt(budget / pixels);
  const width = Math.max(1, Math.floor(size.width * factor));
  const height = Math.max(1, Math.floor(size.height * factor));
  const base = plan.resize || { fit: 'inside' as const, position: 'centre', withoutEnlargement: true, background: { r: 0, g: 0, b: 0, alpha: 0 } };
  const both = plan.resize && plan.resize.width !== undefined && plan.resize.height !== undefined;
  // With both sides given the crop or letterbox keeps its box; otherwise width alone decides.
  const resize = both ? { ...base, width, height } : { ...base, width, height: undefined };
  // A focal point's crop is a box in the resized image: it shrinks with it.
  const focus = plan.focus && shrinkBox(plan.focus, width / size.width, height / size.height, { width, height });
  return { plan: { ...plan, resize, focus }, size: { width, height }, cappedFrom: size };
}
