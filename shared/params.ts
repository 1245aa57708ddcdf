// The parameter table: the single definition of the URL API. Parsing, the canonical query,
// the README table and the CDK cache-key allowlist are all derived from PARAMS.

export const OUTPUT_FORMATS = ['jpeg', 'png', 'webp', 'avif', 'gif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** `source` keeps the original's format; `auto` is resolved from `Accept` by the normalizer. */
export const FORMAT_VALUES = ['jpeg', 'png', 'webp', 'avif', 'gif', 'source', 'auto'] as const;
export type FormatValue = (typeof FORMAT_VALUES)[number];

export const FITS = ['cover', 'contain', 'fill', 'inside', 'outside'] as const;
export type Fit = (typeof FITS)[number];

export const POSITIONS = [
  'center', 'top', 'right', 'bottom', 'left',
  'top-left', 'top-right', 'bottom-left', 'bottom-right',
  'attention', 'entropy',
] as const;
export type Position = (typeof POSITIONS)[number];

interface ParamBase {
  /** Name in the URL and in the canonical query. */
  readonly name: string;
  /** Whether the parameter survives into the canonical query (and so into the cache key). */
  readonly canonical: boolean;
  readonly summary: string;
}

export interface IntegerParam extends ParamBase {
  readonly kind: 'integer';
  readonly min: number;
  /** A number, or the name of the config key that bounds it. */
  readonly max: number | 'maxDimension';
}

export interface DecimalParam extends ParamBase {
  readonly kind: 'decimal';
  readonly min: number;
  readonly max: number;
}

export interface EnumParam extends ParamBase {
  readonly kind: 'enum';
  readonly values: readonly string[];
  readonly aliases: Readonly<Record<string, string>>;
  readonly fallback: string;
}

export type ParamSpec = IntegerParam | DecimalParam | EnumParam;

/** In canonical order: the canonical query lists parameters in this order. */
export const PARAMS: readonly ParamSpec[] = [
  {
    name: 'w', kind: 'integer', min: 1, max: 'maxDimension', canonical: true,
    summary: 'Width in pixels. Out of range is clamped. Alone, keeps the aspect ratio.',
  },
  {
    name: 'h', kind: 'integer', min: 1, max: 'maxDimension', canonical: true,
    summary: 'Height in pixels. Out of range is clamped. Alone, keeps the aspect ratio.',
  },
  {
    name: 'f', kind: 'enum', values: FORMAT_VALUES, aliases: { jpg: 'jpeg' }, fallback: 'auto', canonical: true,
    summary: 'Output format. `auto` (or absent): avif if enabled in config and accepted, else webp if accepted, else the source format. `source` always keeps the source format.',
  },
  {
    name: 'q', kind: 'integer', min: 1, max: 100, canonical: true,
    summary: 'Quality for jpeg, webp and avif (default per format in config); ignored for png and gif. Out of range is clamped.',
  },
  {
    name: 'fit', kind: 'enum', values: FITS, aliases: {}, fallback: 'cover', canonical: true,
    summary: 'How the image fits `w`x`h`, as sharp defines it. Only matters when both are given.',
  },
  {
    name: 'pos', kind: 'enum', values: POSITIONS, aliases: {}, fallback: 'center', canonical: true,
    summary: 'Crop anchor for `cover` (and placement for `contain`); `attention` and `entropy` are smart crops (`cover` only).',
  },
  {
    name: 'dpr', kind: 'decimal', min: 1, max: 4, canonical: false,
    summary: 'Device pixel ratio: multiplies `w` and `h` before clamping, then leaves the canonical query. Out of range is clamped.',
  },
];

/** The names CloudFront must keep in the cache key (and forward to the origin). */
export const CACHE_KEY_PARAMS: readonly string[] = PARAMS.filter((p) => p.canonical).map((p) => p.name);

export function findParam(name: string): ParamSpec | undefined {
  for (let i = 0; i < PARAMS.length; i++) if (PARAMS[i].name === name) return PARAMS[i];
  return undefined;
}
