// The floor's sharp call and its decoding rule, apart from pipelines.ts so that a process can
// load them without the AWS SDK (least-runner.ts: the least a miss can take, beside ours).
import sharp, { type Sharp } from 'sharp';
import { DEFAULT_CONFIG } from '../shared/config';
import { ENCODERS, RESIZE_KERNEL } from '../functions/resize/operations';
import { decodesAsUntaggedSrgb } from '../functions/resize/srgb-profile';
import type { BenchFormat, Geometry } from './pipelines';

/** The quality every pipeline asks for: the project's default for the format. */
export function outputQuality(format: BenchFormat): number {
  return DEFAULT_CONFIG.quality[format];
}

/** How the floor decodes a source: what the handler decides from the source's header, decided once outside the timed call. */
export interface FloorDecoding {
  /** The handler's rule (decodesAsUntaggedSrgb in functions/resize/srgb-profile.ts). */
  readonly ignoreIcc: boolean;
}

export async function floorDecoding(bytes: Buffer): Promise<FloorDecoding> {
  return { ignoreIcc: decodesAsUntaggedSrgb(await sharp(bytes).metadata()) };
}

/** The floor's decoding and resize, before any encoder: shared by floorTransform and fastestTransform. */
function decodedAndResized(input: Buffer, geometry: Geometry, format: BenchFormat, decoding: FloorDecoding): Sharp {
  const decoded = sharp(input, { ignoreIcc: decoding.ignoreIcc });
  const flattened = format === 'jpeg' ? decoded.flatten({ background: '#ffffff' }) : decoded;
  return flattened.resize(geometry.width, geometry.height, { withoutEnlargement: true, kernel: RESIZE_KERNEL });
}

/**
 * The floor's sharp call, the one definition every side-by-side comparison uses (run.ts,
 * compare-builds.ts, stages.ts, least-runner.ts): bare sharp making the handler's output with our resize kernel, our
 * exact encoder settings (the resizer's own table) for an output of `pixels` pixels (the
 * encoders' effort rule), our decoding of the source's ICC profile and, for jpeg, transparency
 * flattened onto white as the handler does (on an image without alpha sharp's flatten does nothing).
 */
export function floorTransform(input: Buffer, geometry: Geometry, format: BenchFormat, pixels: number, decoding: FloorDecoding): Promise<Buffer> {
  return ENCODERS[format](decodedAndResized(input, geometry, format, decoding), { quality: outputQuality(format), pixels }).toBuffer();
}

/**
 * The fastest encoder sharp has for each format, at our quality, whatever its bytes and SSIM:
 * webp and avif at effort 0 (avif with 4:2:0 chroma, 1.25-1.36x faster than 4:4:4, past the
 * chroma SSIM bound), jpeg baseline without Huffman optimisation. Not a candidate setting: it
 * shows what no encoder setting can take less than (least-runner.ts, the `fastest` lane).
 */
const FASTEST_ENCODERS: { readonly [F in BenchFormat]: (image: Sharp, quality: number) => Sharp } = {
  webp: (image, quality) => image.webp({ quality, effort: 0 }),
  avif: (image, quality) => image.avif({ quality, effort: 0, chromaSubsampling: '4:2:0' }),
  jpeg: (image, quality) => image.jpeg({ quality, progressive: false, optimiseCoding: false }),
};

/** The floor's decoding and resize (our kernel), then the format's fastest encoder. */
export function fastestTransform(input: Buffer, geometry: Geometry, format: BenchFormat, decoding: FloorDecoding): Promise<Buffer> {
  return FASTEST_ENCODERS[format](decodedAndResized(input, geometry, format, decoding), outputQuality(format)).toBuffer();
}
