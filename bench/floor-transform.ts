// The floor's sharp call and its decoding rule, apart from pipelines.ts so that a process can
// load them without the AWS SDK (least-runner.ts: the least a miss can take, beside ours).
import sharp from 'sharp';
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

/**
 * The floor's sharp call, the one definition every side-by-side comparison uses (run.ts,
 * compare-builds.ts, stages.ts, least-runner.ts): bare sharp making the handler's output with our resize kernel, our
 * exact encoder settings (the resizer's own table) for an output of `pixels` pixels (the
 * encoders' effort rule), our decoding of the source's ICC profile and, for jpeg, transparency
 * flattened onto white as the handler does (on an image without alpha sharp's flatten does nothing).
 */
export function floorTransform(input: Buffer, geometry: Geometry, format: BenchFormat, pixels: number, decoding: FloorDecoding): Promise<Buffer> {
  const decoded = sharp(input, { ignoreIcc: decoding.ignoreIcc });
  const flattened = format === 'jpeg' ? decoded.flatten({ background: '#ffffff' }) : decoded;
  const resized = flattened.resize(geometry.width, geometry.height, { withoutEnlargement: true, kernel: RESIZE_KERNEL });
  return ENCODERS[format](resized, { quality: outputQuality(format), pixels }).toBuffer();
}
