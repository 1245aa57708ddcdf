// The resizer's operations table: the sharp calls, in the one pipeline order, and which
// canonical parameter each one serves. It shares names with shared/params.ts, not code (the
// normalizer bundles must stay free of sharp). OPERATIONS is keyed by every canonical name,
// so a parameter without an operation does not compile.
//
// Pipeline order (docs/url-api.md, "Pipeline order"):
//   decode (EXIF orientation applied first; `anim` picks the frames) → trim (its own pass) →
//   rect crop → rot → flip → resize (w, h, fit, pos, the letterbox in bg) → focal-point crop →
//   pad → blur → brightness and saturation → sharpen → gray → flatten onto bg → contrast →
//   watermark (its own pass) → encode (f, q)
import type { Sharp } from 'sharp';
import type { OutputFormat } from '../../shared/formats';
import type { CanonicalName } from '../../shared/params';
import type { TransformPlan } from '../../shared/plan';

export interface EncodeOptions {
  readonly quality?: number;
  /** Quantise png to a palette (the size ladder's step for png). */
  readonly palette?: boolean;
  /** Pixels of one output frame, when known: avif spends more effort where it costs little. */
  readonly pixels?: number;
  /** The source's frame delays and loop count, for an animation rebuilt from raw pixels (the watermark's pass). */
  readonly animation?: { readonly delay?: number[]; readonly loop?: number };
}

/**
 * Up to this many output pixels (one frame; about 365x275) an output is small: avif encodes it
 * at effort 3 rather than 2 (at 200x150 effort 2 costs up to a quarter more bytes for a few
 * milliseconds saved; at 640 px it saves 2-7x the time of sharp's default effort 4 for 2-11%
 * more bytes), and webp keeps libwebp's default preset (docs/performance.md, "Encoder effort
 * by output size").
 */
export const SMALL_OUTPUT_PIXELS = 100_000;

function small(pixels: number | undefined): boolean {
  return pixels !== undefined && pixels <= SMALL_OUTPUT_PIXELS;
}

/** The encoder settings, one line per output format: tune them here and nowhere else. */
export const ENCODERS: { readonly [F in OutputFormat]: (image: Sharp, options: EncodeOptions) => Sharp } = {
  // Each chosen by npm run bench's tuning table (docs/performance.md); measure again before changing one.
  // Baseline, not progressive: 1.08x the speed and 5% smaller at 200x150, the same at 640 px.
  jpeg: (image, { quality }) => image.jpeg({ quality, progressive: false }),
  png: (image, { palette }) => image.png({ palette: palette === true, compressionLevel: 8 }),
  // effort 2 (default 4): 1.18x / 2.2x the speed at 200x150 / 640 px for +4.5% / +5.6% bytes;
  // above 100,000 pixels libwebp's photo preset too, which takes those bytes back (-1%) and is
  // 1.24x faster again there (at 200x150 it is slower). Together 1.25x the default's CPU time
  // for +4.4% bytes over the bench's photos and graphics (docs/performance.md).
  webp: (image, { quality, pixels, animation }) => image.webp({ quality, effort: 2, preset: small(pixels) ? 'default' : 'photo', ...animation }),
  // effort 3 for small outputs, 2 above (sharp's default is 4): together 3.5x the speed of effort 4
  // for +9.8% bytes, luma SSIM -0.003, chroma -0.003 over the bench's 14 cases. Chroma stays 4:4:4
  // (sharp's default): 4:2:0 was 1.25-1.36x faster again but cost chroma SSIM -0.0105, past the
  // -0.005 the encoders are held to (docs/performance.md, issue 15).
  avif: (image, { quality, pixels }) => image.avif({ quality, effort: small(pixels) ? 3 : 2 }),
  gif: (image, { animation }) => image.gif({ ...animation }),
};

type Step = (image: Sharp, plan: TransformPlan) => Sharp;

/** The geometry before resizing; sharp cannot be trusted to combine a crop and a rotation in one pass. */
export const BEFORE_RESIZE = {
  crop: (image, plan) => (plan.crop ? image.extract(plan.crop) : image),
  rotate: (image, plan) => (plan.rotate ? image.rotate(plan.rotate) : image),
  // sharp mirrors before it rotates whatever the call order; the plan has already swapped the mirrors to match.
  mirror: (image, plan) => {
    let out = plan.flip ? image.flip() : image;
    if (plan.flop) out = out.flop();
    return out;
  },
} as const satisfies Record<string, Step>;

/** Mid-grey of 8-bit channels: contrast stretches around it. */
const MID_GREY = 128;

/**
 * The resize's kernel: Catmull-Rom cubic rather than sharp's default Lanczos 3. After libvips'
 * shrink-on-load the last reduction is small and the two look alike (luma SSIM -0.0006, chroma
 * -0.0002 over the bench's 14 cases), for about 1.05x the speed of the whole decode, resize and
 * encode (docs/performance.md, "Ultra HDR at a plain JPEG's cost").
 */
export const RESIZE_KERNEL = 'cubic';

export const FROM_RESIZE = {
  resize: (image, plan) => (plan.resize ? image.resize({ ...plan.resize, kernel: RESIZE_KERNEL }) : image),
  focus: (image, plan) => (plan.focus ? image.extract(plan.focus) : image),
  pad: (image, { pad }) => (pad ? image.extend({ top: pad.size, bottom: pad.size, left: pad.size, right: pad.size, background: pad.background }) : image),
  blur: (image, { transform }) => (transform.blur ? image.blur(transform.blur) : image),
  // sharp's modulate: lightness (brightness) and chroma (saturation) multiplied in LCh.
  modulate: (image, { transform: { brightness, saturation } }) =>
    (brightness !== undefined || saturation !== undefined ? image.modulate({ brightness: brightness === undefined ? 1 : brightness, saturation: saturation === undefined ? 1 : saturation }) : image),
  sharpen: (image, { transform }) => (transform.sharpen ? image.sharpen({ sigma: transform.sharpen }) : image),
  gray: (image, { transform }) => (transform.gray === '1' ? image.greyscale() : image),
  flatten: (image, plan) => (plan.flatten ? image.flatten({ background: plan.flatten }) : image),
  // A linear stretch around mid-grey, colour channels only (sharp keeps alpha out of linear).
  contrast: (image, { transform: { contrast } }) => (contrast !== undefined ? image.linear(contrast, MID_GREY * (1 - contrast)) : image),
} as const satisfies Record<string, Step>;

export type StepName = 'decode' | 'trim' | keyof typeof BEFORE_RESIZE | keyof typeof FROM_RESIZE | 'watermark' | 'encode';

/** Which step carries each canonical parameter. */
export const OPERATIONS: { readonly [K in CanonicalName]: StepName } = {
  w: 'resize', h: 'resize', f: 'encode', q: 'encode', fit: 'resize', pos: 'resize',
  rot: 'rotate', flip: 'mirror', bg: 'flatten', blur: 'blur', sharpen: 'sharpen', gray: 'gray',
  rect: 'crop', anim: 'decode', pad: 'pad', trim: 'trim', brightness: 'modulate', contrast: 'contrast',
  saturation: 'modulate', wm: 'watermark',
};

/** The pipeline, in order, as docs/url-api.md states it (every step, each with the parameters it serves). */
export const PIPELINE: { readonly [S in StepName]: string } = {
  decode: 'decode the source, applying its EXIF orientation first, so every size and coordinate means the image as displayed; all frames, or the first only',
  trim: 'remove the uniform border: every edge whose pixels differ from the top-left pixel by less than the threshold (sharp\'s `trim`), in a pass of its own, so every later size and coordinate means the trimmed image; a source that is all border stays whole; still images only (422 for an animation)',
  crop: 'crop the source rectangle (clipped to the image; wholly outside is 422)',
  rotate: 'rotate clockwise by a multiple of 90',
  mirror: 'mirror left-right and/or top-bottom, after the rotation',
  resize: 'resize to fit `w`x`h`, letterboxing `contain` with `bg`',
  focus: 'for a focal point, crop the `cover` box that keeps it as close to the centre as the image allows',
  pad: 'add `pad` pixels of `bg` on every side (white for outputs without alpha, transparent otherwise)',
  blur: 'Gaussian blur',
  modulate: 'multiply lightness and chroma (sharp\'s `modulate`; sharp converts to greyscale before it resizes, so `saturation` does nothing after `gray=1`)',
  sharpen: 'sharpen',
  gray: 'greyscale',
  flatten: 'flatten transparency onto `bg` (white by default) for outputs without alpha',
  contrast: 'stretch each colour channel linearly around mid-grey (128): `c × (v − 128) + 128`, clipped',
  watermark: 'draw the config `watermarks` overlay, in a pass of its own after everything else, on every frame',
  encode: 'encode in the output format at its quality',
};

export function pipelineDoc(): string {
  const names = Object.keys(OPERATIONS) as CanonicalName[];
  return (Object.keys(PIPELINE) as StepName[]).map((step, i) => {
    const params = names.filter((name) => OPERATIONS[name] === step).map((name) => `\`${name}\``);
    return `${i + 1}. ${PIPELINE[step]}${params.length ? ` (${params.join(', ')})` : ''}.`;
  }).join('\n');
}

function run(image: Sharp, steps: Readonly<Record<string, Step>>, plan: TransformPlan): Sharp {
  for (const name of Object.keys(steps)) image = steps[name](image, plan);
  return image;
}

/** Whether the geometry before resizing needs its own pass (a crop combined with a rotation). */
export function needsGeometryPass(plan: TransformPlan): boolean {
  return plan.crop !== undefined && plan.rotate !== undefined;
}

export function beforeResize(image: Sharp, plan: TransformPlan): Sharp {
  return run(image, BEFORE_RESIZE, plan);
}

/** The steps from the resize on, before the encoder. */
export function edits(image: Sharp, plan: TransformPlan): Sharp {
  return run(image, FROM_RESIZE, plan);
}

export function encode(image: Sharp, plan: TransformPlan, options: EncodeOptions): Sharp {
  return ENCODERS[plan.format](image, options);
}
