// The info endpoint (`f=json`): instead of the variant, the facts a page needs before it has
// the image: the source's size, format and weight, the size the URL's other parameters
// produce, the dominant colour and a ThumbHash placeholder. The variant is planned like any
// other (as its format row's `rendersAs`), run through the same pipeline up to the encoder,
// and measured; the placeholder comes from a render of at most 100x100 of that result.
import sharp, { type OutputInfo } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import type { Config } from '../../shared/config';
import { FORMATS, sourceFormat, type InfoFormat } from '../../shared/formats';
import type { SourceInfo, TransformPlan } from '../../shared/plan';
import { conversionError, pipeline, type OpenedSource } from './transform';

/** What `f=json` answers; test/fixtures/info/schema.json is its JSON schema. */
export interface ImageInfo {
  readonly source: {
    readonly width: number;
    readonly height: number;
    /** The format's name in the format table (jpeg, png, webp, avif, gif, tiff). */
    readonly format: string;
    readonly bytes: number;
    readonly hasAlpha: boolean;
    readonly frames: number;
  };
  /** The size of the variant the same URL without `f=json` gives. */
  readonly output: { readonly width: number; readonly height: number };
  readonly dominantColor: string;
  /** ThumbHash bytes in standard base64. */
  readonly thumbhash: string;
}

export interface Described {
  readonly data: Buffer;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
}

/** ThumbHash takes at most 100x100. */
export const PLACEHOLDER_MAX = 100;

/** One serializer per info format row: a row without one does not compile. */
export const DESCRIBERS: { readonly [F in InfoFormat]: (info: ImageInfo) => Buffer } = {
  json: (info) => Buffer.from(JSON.stringify(info)),
};

function hex(value: number): string {
  return (value < 16 ? '0' : '') + value.toString(16);
}

export async function describe(
  format: InfoFormat, opened: OpenedSource, plan: TransformPlan, config: Config, timeoutSeconds: number,
  /** What the original's header says, when `opened` is the trimmed image: the info's `source` describes the original. */
  original: SourceInfo = opened.source,
): Promise<Described> {
  const { input } = opened;
  const source = original;
  let variant: { data: Buffer; info: OutputInfo };
  let pixels: { data: Buffer; info: OutputInfo };
  let dominant: { r: number; g: number; b: number };
  try {
    variant = await (await pipeline(opened, plan, config, timeoutSeconds)).image.raw().toBuffer({ resolveWithObject: true });
    const tiny = sharp(variant.data, { raw: { width: variant.info.width, height: variant.info.height, channels: variant.info.channels } })
      .resize(PLACEHOLDER_MAX, PLACEHOLDER_MAX, { fit: 'inside' })
      .ensureAlpha();
    pixels = await tiny.clone().raw().toBuffer({ resolveWithObject: true });
    dominant = (await tiny.clone().stats()).dominant;
  } catch (error) {
    throw conversionError(error, format);
  }
  const { width, height } = variant.info;
  const info: ImageInfo = {
    source: {
      width: source.displayed.width,
      height: source.displayed.height,
      format: sourceFormat(source.format) || source.format,
      bytes: input.length,
      hasAlpha: source.hasAlpha,
      frames: source.pages,
    },
    output: { width, height },
    dominantColor: `#${hex(dominant.r)}${hex(dominant.g)}${hex(dominant.b)}`,
    thumbhash: Buffer.from(rgbaToThumbHash(pixels.info.width, pixels.info.height, pixels.data)).toString('base64'),
  };
  return { data: DESCRIBERS[format](info), contentType: FORMATS[format].mimes[0], width, height };
}
