// sharp, driven by the pure transform plan. Decoding is decided by the bytes, not the
// file name or content type, and limited to raster formats browsers can be served from.
import sharp, { type Sharp } from 'sharp';
import type { Config } from '../../shared/config';
import { resizerError } from '../../shared/errors';
import { SOURCE_LABELS, sourceFormat } from '../../shared/formats';
import type { SourceInfo, TransformPlan } from '../../shared/plan';
import { outputSize } from './budget';
import { beforeResize, edits, encode, needsGeometryPass } from './operations';

// Each invocation handles a new original, so libvips' operation cache only holds memory.
sharp.cache(false);

export interface InspectedSource extends SourceInfo {
  /** As stored (before EXIF orientation), for the pixel limit. */
  readonly width: number;
  /** Height of one frame. */
  readonly height: number;
  /** EXIF orientation, when the header has one. */
  readonly orientation?: number;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();
}

/** Reads the header only; refuses what cannot or must not be decoded. */
export async function inspectSource(input: Buffer): Promise<InspectedSource> {
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
  try {
    // sharp's own pixel limit (268,402,689) would refuse the header read itself; the resizer's
    // maxInputPixels is checked from these dimensions before any pixel is decoded.
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw resizerError(422, 'unsupported_source', `source must be a decodable ${SOURCE_LABELS} image, got bytes sharp cannot read (${firstLine(error)})`);
  }
  if (!meta.format || !sourceFormat(meta.format) || !meta.width || !meta.height) {
    throw resizerError(422, 'unsupported_source', `source must be a ${SOURCE_LABELS} image, got ${meta.format || 'an unknown format'}`);
  }
  const pages = meta.pages && meta.pages > 1 ? meta.pages : 1;
  const height = meta.pageHeight && pages > 1 ? meta.pageHeight : meta.height;
  // EXIF orientations 5 to 8 swap the sides; w and h mean the image as displayed.
  const swapped = (meta.orientation || 1) >= 5;
  return { format: meta.format, pages, hasAlpha: !!meta.hasAlpha, width: meta.width, height, displayed: swapped ? { width: height, height: meta.width } : { width: meta.width, height }, orientation: meta.orientation };
}

/** Refuses sources whose decoded pixels (every frame the plan decodes) exceed the limit. */
export function checkPixels(source: InspectedSource, plan: TransformPlan, config: Config): void {
  const pixels = source.width * source.height * (plan.animated ? source.pages : 1);
  if (pixels > config.maxInputPixels) {
    throw resizerError(422, 'source_too_large', `source must have at most ${config.maxInputPixels} pixels (maxInputPixels), got ${source.width}x${source.height}${plan.animated ? `x${source.pages} frames` : ''} = ${pixels}`);
  }
}

export interface RenderOptions {
  /** Overrides the plan's quality (the size ladder steps it down). */
  readonly quality?: number;
  /** Quantise png to a palette (the size ladder's step for png). */
  readonly palette?: boolean;
  readonly timeoutSeconds: number;
}

export interface Rendered {
  readonly data: Buffer;
  readonly width: number;
  /** Height of one frame. */
  readonly height: number;
  readonly pages: number;
}

/** Every step of the plan up to (not including) the encoder. */
export async function pipeline(input: Buffer, plan: TransformPlan, config: Config, timeoutSeconds: number): Promise<Sharp> {
  // failOn 'error': decode what browsers show (a JPEG with stray bytes before a marker is a
  // libjpeg warning), refuse real errors and truncated files (docs/behaviour.md, "Hostile sources").
  // The constructor's autoOrient applies EXIF orientation before every other operation.
  const decoded = sharp(input, { animated: plan.animated, limitInputPixels: config.maxInputPixels, failOn: 'error', autoOrient: true })
    .timeout({ seconds: timeoutSeconds });
  if (!needsGeometryPass(plan)) return edits(beforeResize(decoded, plan), plan);
  // Never an animation: the plan refuses rotating one.
  const { data, info } = await beforeResize(decoded, plan).raw().toBuffer({ resolveWithObject: true });
  return edits(sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).timeout({ seconds: timeoutSeconds }), plan);
}

/** A sharp failure while converting: a timeout stays itself (the handler's fallback), anything else is the source's 422. */
export function conversionError(error: unknown, what: string): Error {
  const message = firstLine(error);
  if (/timeout/i.test(message)) return error as Error;
  return resizerError(422, 'unsupported_source', `source could not be converted to ${what} (${message})`);
}

export async function render(input: Buffer, plan: TransformPlan, config: Config, options: RenderOptions): Promise<Rendered> {
  const quality = options.quality !== undefined ? options.quality : plan.quality;
  try {
    const size = outputSize(plan.input, plan);
    const image = encode(await pipeline(input, plan, config, options.timeoutSeconds), plan, { quality, palette: options.palette, pixels: size.width * size.height });
    const { data, info } = await image.toBuffer({ resolveWithObject: true });
    const pages = info.pageHeight ? Math.round(info.height / info.pageHeight) : 1;
    return { data, width: info.width, height: info.pageHeight || info.height, pages };
  } catch (error) {
    throw conversionError(error, plan.format);
  }
}
