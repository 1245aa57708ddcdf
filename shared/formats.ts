// The format table: everything the project knows about an image format, one record each.
// Every other list of format names (the `f` values, the config's outputs and qualities, the
// decodable sources, the content types the resizer accepts, `f=source`) derives from it.
// The normalizer bundles carry this table, so it holds facts, not encoder code: the sharp
// calls per format are in functions/resize/operations.ts (ENCODERS).

export interface FormatRecord {
  /** How messages name it. */
  readonly label: string;
  /** Content types this format is served under; the first is what the resizer sends. */
  readonly mimes: readonly string[];
  /** sharp's name for the decoder that reads it (metadata().format); absent for an info format. */
  readonly decoder?: string;
  /** Default `q` (config `quality.<format>`); absent when the encoder has no quality setting. */
  readonly quality?: number;
  /** Whether an output in this format keeps transparency. */
  readonly alpha: boolean;
  /** Whether its pages are animation frames (as a source) and it can keep them (as an output). */
  readonly animates: boolean;
  readonly source: boolean;
  readonly output: boolean;
  /** What `f=source` gives for a source in this format; absent: jpeg, or png with alpha. */
  readonly sourceAs?: string;
  /**
   * An info format: the answer describes the variant instead of being it, and the variant is
   * planned as if in this (lossless) output format. The resizer's DESCRIBERS
   * (functions/resize/info.ts) are keyed by these rows. Never picked by `f=auto`.
   */
  readonly rendersAs?: string;
}

/**
 * In the order `f` lists them. A list, not an object: the CloudFront Functions runtime, like
 * njs, does not promise that an object's keys come back in the order they were written.
 */
const FORMAT_LIST = [
  { name: 'jpeg', label: 'JPEG', mimes: ['image/jpeg', 'image/jpg', 'image/pjpeg'], decoder: 'jpeg', quality: 80, alpha: false, animates: false, source: true, output: true, sourceAs: 'jpeg' },
  { name: 'png', label: 'PNG', mimes: ['image/png'], decoder: 'png', alpha: true, animates: false, source: true, output: true, sourceAs: 'png' },
  { name: 'webp', label: 'WebP', mimes: ['image/webp'], decoder: 'webp', quality: 80, alpha: true, animates: true, source: true, output: true, sourceAs: 'webp' },
  // A HEIF/AVIF file's extra "pages" are other images of a collection, not frames.
  { name: 'avif', label: 'AVIF', mimes: ['image/avif'], decoder: 'heif', quality: 50, alpha: true, animates: false, source: true, output: true, sourceAs: 'avif' },
  { name: 'gif', label: 'GIF', mimes: ['image/gif'], decoder: 'gif', alpha: true, animates: true, source: true, output: true, sourceAs: 'gif' },
  { name: 'tiff', label: 'TIFF', mimes: ['image/tiff'], decoder: 'tiff', alpha: true, animates: false, source: true, output: false },
  // The info endpoint: the source's facts, the variant's size, its dominant colour and a ThumbHash.
  { name: 'json', label: 'JSON', mimes: ['application/json'], alpha: true, animates: false, source: false, output: false, rendersAs: 'png' },
] as const satisfies ReadonlyArray<FormatRecord & { readonly name: string }>;

type Entry = (typeof FORMAT_LIST)[number];
export type FormatName = Entry['name'];
export type OutputFormat = Extract<Entry, { output: true }>['name'];
/** Output formats whose encoder takes a quality. */
export type QualityFormat = Extract<Entry, { quality: number }>['name'];
/** Values of `f` answered with a description of the variant (`f=json`). */
export type InfoFormat = Extract<Entry, { rendersAs: string }>['name'];

/** The table by name. */
export const FORMATS = FORMAT_LIST.reduce((all, entry) => {
  all[entry.name] = entry;
  return all;
}, {} as Record<string, FormatRecord>) as { readonly [K in FormatName]: Extract<Entry, { name: K }> };

const NAMES: readonly FormatName[] = FORMAT_LIST.map((entry) => entry.name);
const record = (name: FormatName): FormatRecord => FORMATS[name];

export const OUTPUT_FORMATS = NAMES.filter((name) => record(name).output) as readonly OutputFormat[];
export const QUALITY_FORMATS = NAMES.filter((name) => record(name).quality !== undefined) as readonly QualityFormat[];
export const INFO_FORMATS = NAMES.filter((name) => record(name).rendersAs !== undefined) as readonly InfoFormat[];

export function isInfoFormat(name: string): name is InfoFormat {
  return INFO_FORMATS.indexOf(name as InfoFormat) >= 0;
}

export function sourceFormat(decoder: string): FormatName | undefined {
  for (let i = 0; i < NAMES.length; i++) if (record(NAMES[i]).source && record(NAMES[i]).decoder === decoder) return NAMES[i];
  return undefined;
}

/** Every content type the resizer transforms. */
export const SOURCE_TYPES: readonly string[] = NAMES.reduce<string[]>((all, name) => (record(name).source ? all.concat(record(name).mimes) : all), []);

/** The source formats as a message names them: "JPEG, PNG, WebP, AVIF, GIF or TIFF". */
export const SOURCE_LABELS: string = ((labels: string[]) => labels.slice(0, -1).join(', ') + ' or ' + labels[labels.length - 1])(
  NAMES.filter((name) => record(name).source).map((name) => record(name).label),
);
