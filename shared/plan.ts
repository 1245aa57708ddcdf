// The transform plan: what to do to one source for one canonical transform, in the numbers
// sharp needs where they depend on the source or the format (crop boxes, angles, colours,
// sizes). Pure; functions/resize/operations.ts turns it into sharp calls, in the pipeline order
// documented there; a parameter that needs only its own value is read from `plan.transform`.
import type { CanonicalTransform } from './canonical';
import type { Config, Watermark } from './config';
import { resizerError } from './errors';
import { FORMATS, isInfoFormat, sourceFormat, type FormatRecord, type OutputFormat } from './formats';
import type { Fit, Position } from './params';

/** What the resizer learned from the source's header, before decoding pixels. */
export interface SourceInfo {
  /** sharp's name for the decoder that read the bytes: jpeg, png, webp, gif, heif, tiff… */
  readonly format: string;
  readonly pages: number;
  readonly hasAlpha: boolean;
  /** One frame's size as displayed (after EXIF orientation and `trim`): what `rect` and `w` and `h` mean. */
  readonly displayed: { readonly width: number; readonly height: number };
  /** A JPEG with an HDR gain map (Ultra HDR, ISO 21496-1). */
  readonly gainMap?: boolean;
}

export interface Box { readonly left: number; readonly top: number; readonly width: number; readonly height: number }
export interface Background { readonly r: number; readonly g: number; readonly b: number; readonly alpha: number }

export interface TransformPlan {
  /** The canonical values, for operations whose sharp call needs nothing but their own value. */
  readonly transform: CanonicalTransform;
  readonly format: OutputFormat;
  /** Undefined for formats without a quality setting (png, gif). */
  readonly quality?: number;
  /** Decode every frame and keep the animation. */
  readonly animated: boolean;
  /** One frame's size where the resize starts: after `rect` and `rot`. */
  readonly input: { readonly width: number; readonly height: number };
  /** `rect`, clipped to the image. */
  readonly crop?: Box;
  /** Clockwise degrees. */
  readonly rotate?: 90 | 180 | 270;
  /**
   * Mirrors in sharp's terms and frame: sharp mirrors before it rotates, so a flip after a
   * quarter turn is the other mirror before it.
   */
  readonly flip?: boolean;
  readonly flop?: boolean;
  readonly resize?: {
    readonly width?: number;
    readonly height?: number;
    readonly fit: Fit;
    /** sharp's spelling of the anchor: a gravity or a strategy. */
    readonly position: string;
    readonly withoutEnlargement: boolean;
    /** Letterbox colour for `contain`. */
    readonly background: Background;
  };
  /** Crop after resizing: a focal point's `cover` box. */
  readonly focus?: Box;
  /** Colour to flatten transparency onto, for outputs without alpha. */
  readonly flatten?: Background;
  /** `pad` pixels of `background` on every side, after the resize. */
  readonly pad?: { readonly size: number; readonly background: Background };
  /** The overlay drawn last, before encoding (config `watermarks`). */
  readonly watermark?: Watermark & { readonly name: string };
  /** Keep the source's HDR gain map, resized with the image (jpeg to jpeg, operations sharp can apply to it). */
  readonly keepGainMap?: boolean;
}

/**
 * The parameters whose operations sharp also applies to a gain map (sharp 0.35's keepGainMap:
 * resize, crop, embed, extend, mirror, quarter turns, blur, sharpen). trim, modulate, the
 * contrast stretch, greyscale, smart crops and the watermark are not: with any of those the
 * output is SDR. (Greyscale and contrast sharp would allow, but the gain map would put back
 * colour and contrast the base image no longer has.)
 */
export const GAIN_MAP_PARAMS: readonly string[] = ['w', 'h', 'f', 'q', 'fit', 'pos', 'rot', 'flip', 'bg', 'blur', 'sharpen', 'rect', 'anim', 'pad'];

const WHITE: Background = { r: 255, g: 255, b: 255, alpha: 1 };
const TRANSPARENT: Background = { r: 0, g: 0, b: 0, alpha: 0 };

const SHARP_POSITION: Record<Position, string> = {
  center: 'centre', top: 'top', right: 'right', bottom: 'bottom', left: 'left',
  'top-left': 'left top', 'top-right': 'right top', 'bottom-left': 'left bottom', 'bottom-right': 'right bottom',
  attention: 'attention', entropy: 'entropy',
};

/** `f=source` keeps the source's format where browsers can show it, else jpeg (png if it has alpha). */
export function sourceOutputFormat(source: SourceInfo, config: Config): OutputFormat {
  const known = sourceFormat(source.format);
  const same = known ? ((FORMATS[known] as FormatRecord).sourceAs as OutputFormat | undefined) : undefined;
  if (same && config.formats.outputs.indexOf(same) >= 0) return same;
  const fallback: OutputFormat = source.hasAlpha ? 'png' : 'jpeg';
  return config.formats.outputs.indexOf(fallback) >= 0 ? fallback : config.formats.outputs[0];
}

function colour(hex: string | undefined, opaque: boolean): Background | undefined {
  if (hex === undefined) return undefined;
  const byte = (i: number) => parseInt(hex.slice(i, i + 2), 16);
  return { r: byte(0), g: byte(2), b: byte(4), alpha: opaque || hex.length < 8 ? 1 : byte(6) / 255 };
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

/** `rect` clipped to the image; a rectangle wholly outside it is 422. */
function cropBox(rect: string, source: SourceInfo): Box {
  const [x, y, w, h] = rect.split(',').map(Number);
  const { width, height } = source.displayed;
  if (x >= width || y >= height) {
    throw resizerError(422, 'bad_rect', `rect must overlap the ${width}x${height} source, got ${rect}`);
  }
  return { left: x, top: y, width: Math.min(w, width - x), height: Math.min(h, height - y) };
}

/** The `cover` crop that keeps the focal point as close to the centre as the image allows. */
function focalCover(point: string, width: number, height: number, w: number, h: number, enlarge: boolean) {
  const [fx, fy] = point.split(',').map(Number);
  let scale = Math.max(w / width, h / height);
  if (!enlarge && scale > 1) scale = 1;
  const rw = Math.max(1, Math.round(width * scale));
  const rh = Math.max(1, Math.round(height * scale));
  const cw = Math.min(w, rw);
  const ch = Math.min(h, rh);
  const focus: Box = {
    left: clamp(Math.round(fx * rw - cw / 2), 0, rw - cw),
    top: clamp(Math.round(fy * rh - ch / 2), 0, rh - ch),
    width: cw, height: ch,
  };
  return { width: rw, height: rh, focus };
}

export function planTransform(transform: CanonicalTransform, source: SourceInfo, config: Config): TransformPlan {
  const format = transform.f === 'source' ? sourceOutputFormat(source, config)
    : isInfoFormat(transform.f) ? FORMATS[transform.f].rendersAs : transform.f;
  const info = FORMATS[format];
  const defaultQuality = (config.quality as Record<string, number | undefined>)[format];
  const quality = defaultQuality === undefined ? undefined : transform.q !== undefined ? transform.q : defaultQuality;
  const known = sourceFormat(source.format);
  const animated = source.pages > 1 && transform.anim !== '0' && !!known && FORMATS[known].animates && info.animates;
  let width = source.displayed.width;
  let height = source.displayed.height;
  const plan: { -readonly [K in keyof TransformPlan]: TransformPlan[K] } = { transform, format, quality, animated, input: { width, height }, keepGainMap: false };

  if (transform.rect !== undefined) {
    plan.crop = cropBox(transform.rect, source);
    width = plan.crop.width;
    height = plan.crop.height;
  }
  if (transform.rot) {
    plan.rotate = transform.rot as 90 | 180 | 270;
    if (transform.rot !== 180) [width, height] = [height, width];
  }
  if (transform.flip) {
    const quarter = transform.rot === 90 || transform.rot === 270;
    const h = transform.flip.indexOf('h') >= 0;
    const v = transform.flip.indexOf('v') >= 0;
    if (quarter ? h : v) plan.flip = true;
    if (quarter ? v : h) plan.flop = true;
  }
  plan.input = { width, height };
  if (animated && (plan.rotate || plan.flip || transform.trim !== undefined)) {
    throw resizerError(422, 'unsupported_source', `rot, flip=v and trim need a still image, got an animated ${source.format} of ${source.pages} frames (anim=0 takes its first frame)`);
  }

  const background = colour(transform.bg, !info.alpha);
  if (transform.w !== undefined || transform.h !== undefined) {
    const pos = transform.pos || 'center';
    // With one side only, every fit but fill means "keep the aspect ratio" and the key folds them
    // (shared/params.ts); sharp would still letterbox `contain` to a square when that side is
    // more than the source's and enlargement is off (40x30 asked h=40 gave 40x40), so the plan
    // resizes them all as cover (found by test/shared/keys-pixels.test.ts).
    const oneSide = transform.w === undefined || transform.h === undefined;
    plan.resize = {
      width: transform.w,
      height: transform.h,
      fit: oneSide && transform.fit !== 'fill' ? 'cover' : transform.fit || 'cover',
      position: SHARP_POSITION[pos as Position] || 'centre',
      withoutEnlargement: !config.allowEnlargement,
      background: background || (info.alpha ? TRANSPARENT : WHITE),
    };
    if (pos.indexOf(',') > 0 && transform.w !== undefined && transform.h !== undefined) {
      const cover = focalCover(pos, width, height, transform.w, transform.h, config.allowEnlargement);
      plan.resize = { ...plan.resize, width: cover.width, height: cover.height, fit: 'fill' };
      plan.focus = cover.focus;
    }
  }
  if (!info.alpha && source.hasAlpha) plan.flatten = background || WHITE;
  if (transform.pad !== undefined) plan.pad = { size: transform.pad, background: background || (info.alpha ? TRANSPARENT : WHITE) };
  if (transform.wm !== undefined) plan.watermark = { ...config.watermarks[transform.wm], name: transform.wm };
  plan.keepGainMap = !!source.gainMap && format === 'jpeg' && !(plan.crop && plan.rotate)
    && transform.pos !== 'attention' && transform.pos !== 'entropy'
    && Object.keys(transform).every((name) => (transform as Record<string, unknown>)[name] === undefined || GAIN_MAP_PARAMS.indexOf(name) >= 0);
  return plan;
}
