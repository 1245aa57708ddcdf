// sharp, driven by the pure transform plan. Decoding is decided by the bytes, not the
// file name or content type, and limited to raster formats browsers can be served from.
import sharp, { type Metadata, type OutputInfo, type Sharp, type SharpOptions } from 'sharp';
import type { Config } from '../../shared/config';
import { resizerError } from '../../shared/errors';
import { SOURCE_LABELS, sourceFormat } from '../../shared/formats';
import type { SourceInfo, TransformPlan } from '../../shared/plan';
import { outputSize } from './budget';
import { gainMapPlan } from './gain-map';
import { firstLine } from './invocation';
import { settleAllocator } from './allocator';
import { beforeResize, edits, encode, needsGeometryPass } from './operations';
import { decodesAsUntaggedSrgb } from './srgb-profile';
import { gainMapMetadata, joinUltraHdr, withOrientation } from './ultra-hdr';
import { placement, type Overlay } from './watermark';

// Each invocation handles a new original, so libvips' operation cache only holds memory.
sharp.cache(false);
// Freed buffers stay in glibc's heaps instead of being faulted in anew on each miss (allocator.ts).
settleAllocator();
warmLibvips();

/**
 * libvips sets up its JPEG loader and saver, its resize and the webp saver on their first use:
 * about 3 ms of a new container's first miss here (docs/performance.md, "The fastest encoder,
 * three runs, and libvips set up in the background"). Started as the bundle loads, that runs on a
 * libuv worker thread while the first invocation's S3 GET runs or waits on the network, instead
 * of after it. An 8x8 image: no memory to speak of, and a failure here changes nothing (the
 * first miss then sets them up itself).
 */
function warmLibvips(): void {
  sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).jpeg().toBuffer()
    .then((jpeg) => sharp(jpeg).resize(4, 4).webp().toBuffer())
    .catch(() => undefined);
}

export interface InspectedSource extends SourceInfo {
  /** As stored (before EXIF orientation), for the pixel limit. */
  readonly width: number;
  /** Height of one frame. */
  readonly height: number;
  /** EXIF orientation, when the header has one. */
  readonly orientation?: number;
  /** An animation's frame delays (ms) and loop count. */
  readonly delay?: number[];
  readonly loop?: number;
}

/**
 * Constructs a sharp instance: the one place the resizer does, so a test can count through it how
 * many decoders one miss sets up (test/functions/resize/one-header-read.test.ts).
 */
export type OpenImage = (input: Buffer, options: SharpOptions) => Sharp;
export const openImage: OpenImage = (input, options) => sharp(input, options);

/**
 * The original opened once for the whole miss: the decoder that renders it, and what that
 * decoder's own header read says. Its metadata() is the only header read the resizer asks for;
 * the transform is then built on the same instance and every encode of the size ladder reruns it.
 */
export interface OpenedSource {
  readonly input: Buffer;
  readonly source: InspectedSource;
  /** Opened at the first frame (sharp's default); still plans render from it. */
  readonly image: Sharp;
  readonly open: OpenImage;
  /** An Ultra HDR source's gain map as stored (a JPEG), from the same header read. */
  readonly gainMap?: Buffer;
  /** Decode without applying the embedded ICC profile: there is none, or it is plain sRGB. */
  readonly ignoreIcc: boolean;
}

/**
 * How the resizer decodes. failOn 'error': decode what browsers show (a JPEG with stray bytes
 * before a marker is a libjpeg warning), refuse real errors and truncated files
 * (docs/behaviour.md, "Hostile sources"). autoOrient applies EXIF orientation before every other
 * operation. The first open sets no sharp pixel limit: its check (268,402,689 by default) would
 * refuse the header read itself with no sizes named; the resizer's maxInputPixels is checked
 * from this header by checkPixels before any pixel is decoded. `animated` reads every frame;
 * sharp fixes the frames read when it is constructed, so an animated plan opens the bytes a
 * second time (decoderFor), with maxInputPixels as sharp's limit on all of them. ignoreIcc: the
 * first open assumes the common case, no profile or a plain sRGB one, whose conversion changes
 * no pixel (srgb-profile.ts); a source with any other profile is opened again to apply it.
 */
function decoderOptions(animated: boolean, limitInputPixels: number | false, ignoreIcc: boolean): SharpOptions {
  return { animated, limitInputPixels, failOn: 'error', autoOrient: true, ignoreIcc };
}

/** Opens the original and reads its header; refuses what cannot or must not be decoded. */
export async function openSource(input: Buffer, open: OpenImage = openImage): Promise<OpenedSource> {
  let image: Sharp;
  let meta: Metadata;
  try {
    // The constructor itself refuses some bytes (an empty buffer).
    image = open(input, decoderOptions(false, false, true));
    meta = await image.metadata();
  } catch (error) {
    throw resizerError(422, 'unsupported_source', `source must be a decodable ${SOURCE_LABELS} image, got bytes sharp cannot read (${firstLine(error)})`);
  }
  if (!meta.format || !sourceFormat(meta.format) || !meta.width || !meta.height) {
    throw resizerError(422, 'unsupported_source', `source must be a ${SOURCE_LABELS} image, got ${meta.format || 'an unknown format'}`);
  }
  const ignoreIcc = decodesAsUntaggedSrgb(meta);
  if (!ignoreIcc) image = open(input, decoderOptions(false, false, false));
  const pages = meta.pages && meta.pages > 1 ? meta.pages : 1;
  const height = meta.pageHeight && pages > 1 ? meta.pageHeight : meta.height;
  // EXIF orientations 5 to 8 swap the sides; w and h mean the image as displayed.
  const swapped = (meta.orientation || 1) >= 5;
  const source = {
    format: meta.format, pages, hasAlpha: !!meta.hasAlpha, width: meta.width, height,
    displayed: swapped ? { width: height, height: meta.width } : { width: meta.width, height },
    orientation: meta.orientation, gainMap: !!meta.gainMap, delay: meta.delay, loop: meta.loop,
  };
  return { input, source, image, open, gainMap: meta.gainMap ? meta.gainMap.image : undefined, ignoreIcc };
}

/**
 * `trim`: the opened source decoded (EXIF orientation applied), its uniform border removed, in a
 * pass of its own so the plan (rect, w, h, a focal point) can describe the trimmed image; the
 * pipeline then starts from those pixels. sharp leaves a source that is all border whole. Only
 * after checkPixels: this decodes every pixel of the first frame.
 */
export async function trimSource(opened: OpenedSource, threshold: number, timeoutSeconds: number): Promise<OpenedSource> {
  let trimmed: { data: Buffer; info: OutputInfo };
  try {
    trimmed = await opened.image.timeout({ seconds: timeoutSeconds }).trim({ threshold }).raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw conversionError(error, 'trimmed pixels');
  }
  const { width, height, channels } = trimmed.info;
  return {
    input: opened.input,
    open: opened.open,
    ignoreIcc: opened.ignoreIcc,
    image: sharp(trimmed.data, { raw: { width, height, channels } }),
    source: { ...opened.source, width, height, orientation: undefined, gainMap: false, displayed: { width, height } },
  };
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
  /** The source's frame delays and loop, for an animation rebuilt after the watermark's pass. */
  readonly animation?: { readonly delay?: number[]; readonly loop?: number };
}

export interface Rendered {
  readonly data: Buffer;
  readonly width: number;
  /** Height of one frame. */
  readonly height: number;
  readonly pages: number;
}

/** The decoder for this plan: the opened one, or for an animation the bytes opened for every frame. */
function decoderFor(opened: OpenedSource, plan: TransformPlan, config: Config): Sharp {
  return plan.animated ? opened.open(opened.input, decoderOptions(true, config.maxInputPixels, opened.ignoreIcc)) : opened.image;
}

/** The gain map's own pipeline and the metadata segments its JPEG carries into the output. */
interface GainMapPipeline {
  readonly image: Sharp;
  readonly metadata: readonly Buffer[];
}

/**
 * A plan's transform built once per miss, up to (not including) the encoder: each encode (the size
 * ladder's steps, the info render) sets its encoder and timeout on these instances and runs them
 * again, rather than constructing a decoder per attempt. An Ultra HDR JPEG's gain map, when kept,
 * has a pipeline of its own, joined to the primary after encoding (ultra-hdr.ts).
 */
export interface Built {
  readonly image: Sharp;
  readonly gainMap?: GainMapPipeline;
}

interface GainMapHeader { readonly width: number; readonly height: number; readonly channels: number }

/** The gain map's stored size and channels (one, or three for a gain per colour). */
async function gainMapHeader(gainMap: Buffer): Promise<GainMapHeader> {
  const meta = await sharp(gainMap).metadata();
  return { width: meta.width!, height: meta.height!, channels: meta.channels! };
}

/**
 * The gain map's pipeline: the primary's plan scaled to the gain map (gain-map.ts), on the gain
 * map's own small JPEG, stored as the primary is (its EXIF orientation added, so autoOrient turns
 * both alike). Undefined when the source's gain map states no parameters this can copy; the
 * primary then keeps it through sharp's keepGainMap() instead.
 */
function gainMapPipeline(opened: OpenedSource, plan: TransformPlan, config: Config, timeoutSeconds: number, header: GainMapHeader): GainMapPipeline | undefined {
  const metadata = opened.gainMap && gainMapMetadata(opened.gainMap);
  if (!opened.gainMap || !metadata) return undefined;
  const { source } = opened;
  const orientation = source.orientation || 1;
  const bytes = orientation > 1 ? withOrientation(opened.gainMap, orientation) : opened.gainMap;
  // Stored sides of the gain map over the primary's, turned like the image.
  const sx = header.width / source.width;
  const sy = header.height / source.height;
  const scale = orientation >= 5 ? { x: sy, y: sx } : { x: sx, y: sy };
  const mapPlan = gainMapPlan(plan, source.displayed, scale);
  // Its values are gains, not colours: no colour management, and one channel stays one. A gain
  // map has no more pixels than its image, or the source is not what it claims: sharp refuses it.
  const image = sharp(bytes, { failOn: 'error', autoOrient: true, ignoreIcc: true, limitInputPixels: config.maxInputPixels }).timeout({ seconds: timeoutSeconds });
  return { image: edits(beforeResize(image, mapPlan), mapPlan).toColourspace(header.channels === 1 ? 'b-w' : 'srgb'), metadata };
}

export async function pipeline(opened: OpenedSource, plan: TransformPlan, config: Config, timeoutSeconds: number): Promise<Built> {
  let decoded = decoderFor(opened, plan, config).timeout({ seconds: timeoutSeconds });
  // The gain map rendered on its own: the primary keeps libvips' shrink-on-load, which
  // keepGainMap() turns off (it decodes the whole primary, about 5x the CPU).
  const gainMap = plan.keepGainMap && opened.gainMap ? gainMapPipeline(opened, plan, config, timeoutSeconds, await gainMapHeader(opened.gainMap)) : undefined;
  // Otherwise sharp resizes, crops, extends, mirrors, turns, blurs and sharpens the gain map with
  // the image. (sharp 0.35.5's typings lack the method its lib/output.js has.)
  if (plan.keepGainMap && !gainMap) decoded = (decoded as Sharp & { keepGainMap(): Sharp }).keepGainMap();
  if (!needsGeometryPass(plan)) return { image: edits(beforeResize(decoded, plan), plan), gainMap };
  // Never an animation: the plan refuses rotating one.
  const { data, info } = await beforeResize(decoded, plan).raw().toBuffer({ resolveWithObject: true });
  return { image: edits(sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).timeout({ seconds: timeoutSeconds }), plan) };
}

/** A sharp failure while converting: a timeout stays itself (the handler's fallback), anything else is the source's 422. */
export function conversionError(error: unknown, what: string): Error {
  const message = firstLine(error);
  if (/timeout/i.test(message)) return error as Error;
  return resizerError(422, 'unsupported_source', `source could not be converted to ${what} (${message})`);
}

/**
 * The watermark, drawn last, on every frame: the pipeline's result as raw pixels (sharp would
 * otherwise composite before its contrast step), the overlay scaled and faded, composited
 * once per frame of the strip sharp keeps an animation in.
 */
export async function drawWatermark(image: Sharp, plan: TransformPlan, overlay: Overlay, timeoutSeconds: number): Promise<Sharp> {
  const watermark = plan.watermark!;
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  const frameHeight = plan.animated && info.pageHeight ? info.pageHeight : info.height;
  const place = placement(watermark, overlay, info.width, frameHeight);
  const mark = await sharp(overlay.data, { raw: { width: overlay.width, height: overlay.height, channels: 4 } })
    .resize({ width: place.width, height: place.height, fit: 'fill' }).raw().toBuffer();
  if (watermark.opacity < 1) for (let i = 3; i < mark.length; i += 4) mark[i] = Math.round(mark[i] * watermark.opacity);
  const frames = Math.max(1, Math.round(info.height / frameHeight));
  const layers = [];
  for (let frame = 0; frame < frames; frame++) {
    layers.push({ input: mark, raw: { width: place.width, height: place.height, channels: 4 as const }, left: place.left, top: place.top + frame * frameHeight });
  }
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels as 1 | 2 | 3 | 4, pageHeight: frames > 1 ? frameHeight : undefined } })
    .timeout({ seconds: timeoutSeconds })
    .composite(layers);
}

/** Encodes the built pipeline (pipeline(), then drawWatermark()) once more, at this attempt's quality or palette and time left. */
export async function render(built: Built, plan: TransformPlan, options: RenderOptions): Promise<Rendered> {
  const quality = options.quality !== undefined ? options.quality : plan.quality;
  try {
    const size = outputSize(plan.input, plan);
    const image = encode(built.image.timeout({ seconds: options.timeoutSeconds }), plan, { quality, palette: options.palette, pixels: size.width * size.height, animation: options.animation });
    // The gain map as sharp's keepGainMap() encodes it: the output's quality, no chroma subsampling.
    const map = built.gainMap && built.gainMap.image.timeout({ seconds: options.timeoutSeconds }).jpeg({ quality, chromaSubsampling: '4:4:4' }).toBuffer();
    const [{ data, info }, mapData] = await Promise.all([image.toBuffer({ resolveWithObject: true }), map]);
    const pages = info.pageHeight ? Math.round(info.height / info.pageHeight) : 1;
    const joined = mapData ? joinUltraHdr(data, mapData, built.gainMap!.metadata) : data;
    return { data: joined, width: info.width, height: info.pageHeight || info.height, pages };
  } catch (error) {
    throw conversionError(error, plan.format);
  }
}
