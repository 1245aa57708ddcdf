// The transform plan: what to do to one source for one canonical transform. Pure; the
// resizer turns it into sharp calls.
import type { CanonicalTransform } from './canonical';
import type { Config } from './config';
import type { Fit, OutputFormat, Position } from './params';

/** What the resizer learned from the source's header, before decoding pixels. */
export interface SourceInfo {
  /** sharp's name for the decoder that read the bytes: jpeg, png, webp, gif, heif, tiff… */
  readonly format: string;
  readonly pages: number;
  readonly hasAlpha: boolean;
}

export interface TransformPlan {
  readonly format: OutputFormat;
  /** Undefined for formats without a quality setting (png, gif). */
  readonly quality?: number;
  /** Decode every frame and keep the animation. */
  readonly animated: boolean;
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
  /** Colour to flatten transparency onto, for outputs without alpha. */
  readonly flatten?: Background;
}

export interface Background { readonly r: number; readonly g: number; readonly b: number; readonly alpha: number }

const WHITE: Background = { r: 255, g: 255, b: 255, alpha: 1 };
const TRANSPARENT: Background = { r: 0, g: 0, b: 0, alpha: 0 };

const SHARP_POSITION: Record<Position, string> = {
  center: 'centre', top: 'top', right: 'right', bottom: 'bottom', left: 'left',
  'top-left': 'left top', 'top-right': 'right top', 'bottom-left': 'left bottom', 'bottom-right': 'right bottom',
  attention: 'attention', entropy: 'entropy',
};

const ANIMATED_OUTPUTS: readonly OutputFormat[] = ['gif', 'webp'];
// A HEIF/AVIF file's extra "pages" are other images of a collection (thumbnails, alternates),
// not frames: only GIF and WebP pages are animation.
const ANIMATED_SOURCES: readonly string[] = ['gif', 'webp'];
const SOURCE_OUTPUT: Record<string, OutputFormat> = { jpeg: 'jpeg', png: 'png', webp: 'webp', gif: 'gif', heif: 'avif' };

/** `f=source` keeps the source's format where browsers can show it, else jpeg (png if it has alpha). */
export function sourceOutputFormat(source: SourceInfo, config: Config): OutputFormat {
  const same = SOURCE_OUTPUT[source.format];
  if (same && config.formats.outputs.indexOf(same) >= 0) return same;
  const fallback: OutputFormat = source.hasAlpha ? 'png' : 'jpeg';
  return config.formats.outputs.indexOf(fallback) >= 0 ? fallback : config.formats.outputs[0];
}

export function planTransform(transform: CanonicalTransform, source: SourceInfo, config: Config): TransformPlan {
  const format = transform.f === 'source' ? sourceOutputFormat(source, config) : transform.f;
  const quality = format === 'png' || format === 'gif' ? undefined : transform.q !== undefined ? transform.q : config.quality[format];
  const keepsAlpha = format !== 'jpeg';
  const plan: { -readonly [K in keyof TransformPlan]: TransformPlan[K] } = {
    format,
    quality,
    animated: source.pages > 1 && ANIMATED_SOURCES.indexOf(source.format) >= 0 && ANIMATED_OUTPUTS.indexOf(format) >= 0,
  };
  if (transform.w !== undefined || transform.h !== undefined) {
    plan.resize = {
      width: transform.w,
      height: transform.h,
      fit: transform.fit || 'cover',
      position: SHARP_POSITION[transform.pos || 'center'],
      withoutEnlargement: !config.allowEnlargement,
      background: keepsAlpha ? TRANSPARENT : WHITE,
    };
  }
  if (!keepsAlpha && source.hasAlpha) plan.flatten = WHITE;
  return plan;
}
