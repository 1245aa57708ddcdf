// The encode budget: how many output pixels each encoder can be trusted to finish before the
// deadline. libvips checks sharp's timeout() only on its progress signal, and several
// encoders report no progress while they run (libheif/aom for avif, libimagequant for a png
// palette, libwebp per frame), so once such an encode has started nothing in the process can
// stop it. The resizer therefore never starts an encode it cannot finish: the first encode's
// output area is capped to what fits half the deadline (the worst case scaled by the source's
// density), and a size-ladder step runs only if its estimate fits in the time left.
import type { Config } from '../../shared/config';
import type { OutputFormat } from '../../shared/params';
import type { TransformPlan } from '../../shared/plan';

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
 * bytes per decoded pixel (all frames) relative to noise's.
 */
export function sourceComplexity(sourceBytes: number, decodedPixels: number): number {
  if (!(decodedPixels > 0)) return 1;
  return Math.min(1, Math.max(MIN_COMPLEXITY, sourceBytes / decodedPixels / NOISE_BYTES_PER_PIXEL));
}

/** Seconds one encode of `pixels` output pixels may take at worst, for a source of that complexity. */
export function encodeSeconds(pixels: number, format: OutputFormat, palette: boolean, config: Config, complexity = 1): number {
  const speed = palette ? PALETTE_PIXELS_PER_CPU_SECOND : WORST_CASE_PIXELS_PER_CPU_SECOND[format];
  return (pixels * complexity) / (speed * cpuShare(config));
}

/** The largest output (all frames) the first encode may have within `deadlineMs`. */
export function pixelBudget(format: OutputFormat, deadlineMs: number, config: Config, complexity = 1): number {
  return Math.floor((WORST_CASE_PIXELS_PER_CPU_SECOND[format] * cpuShare(config) * (deadlineMs / 1000) * FIRST_ENCODE_SHARE) / complexity);
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

function shrinkBox(box: NonNullable<TransformPlan['focus']>, sx: number, sy: number, within: Size): TransformPlan['focus'] {
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
export function capToBudget(plan: TransformPlan, source: Size, frames: number, deadlineMs: number, config: Config, complexity = 1): CappedPlan {
  const size = outputSize(source, plan);
  const budget = pixelBudget(plan.format, deadlineMs, config, complexity);
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
