// The parameter table: the single definition of the URL API. Each row owns its parsing (kind,
// range, values, aliases), its canonical spelling (what its kind normalizes a value to) and
// its fold rule (which drops a value that cannot change the output, the default among them:
// an absent parameter is its default); the
// transform types, the parser, the canonical query, the docs' URL API table, the CDK cache key and
// the local edge all derive from PARAMS, and the resizer's operations table is keyed by it.
// The normalizer bundles carry this file: keep rows as data and fold rules one line each; the
// docs' words for each row (docs/url-api.md) are in shared/param-docs.ts.
import type { NormalizerConfig as Config } from './config';
import { FORMATS, INFO_FORMATS, OUTPUT_FORMATS, type InfoFormat, type OutputFormat } from './formats';

export { OUTPUT_FORMATS, type InfoFormat, type OutputFormat } from './formats';

/** `source` keeps the original's format; `auto` is resolved from `Accept` by the normalizer; `json` describes the variant. */
export type FormatValue = OutputFormat | InfoFormat | 'source' | 'auto';
export const FORMAT_VALUES: readonly FormatValue[] = (OUTPUT_FORMATS as readonly FormatValue[]).concat(INFO_FORMATS, ['source', 'auto']);

export const FITS = ['cover', 'contain', 'fill', 'inside', 'outside'] as const;
export type Fit = (typeof FITS)[number];

export const POSITIONS = [
  'center', 'top', 'right', 'bottom', 'left',
  'top-left', 'top-right', 'bottom-left', 'bottom-right',
  'attention', 'entropy',
] as const;
export type Position = (typeof POSITIONS)[number];

/**
 * What a fold rule sees: the canonical values of the rows before it (already resolved and
 * folded; `f` is never `auto`), and the config.
 */
export type FoldContext = { readonly [name: string]: string | number | undefined };

/**
 * What a row is, and so how its values are parsed, spelled and described. Numbers, not names:
 * the bundles carry a kind at every row and every test of one, and the CloudFront Function has
 * 10 KB (esbuild writes each member as its number).
 */
export enum Kind { Int, Num, Enum, Hex, Rect, Preset, Mark }

interface RowBase {
  /** false: the parameter never survives into the canonical query (nor the cache key). Default: it does. */
  readonly canonical?: false;
  /** True when the value cannot change the output, given the rows before it: it is dropped. */
  readonly fold?: (value: never, t: FoldContext, config: Config) => boolean;
  /**
   * Where two values of this and another row make one output (a composition), the one canonical
   * spelling: called before `fold` (also when the row is absent, `value` undefined) with the
   * canonical values of the rows before it and the requested values of every row.
   */
  readonly respell?: (value: never, t: FoldContext, requested: FoldContext) => string | number | undefined;
  /** What config `presetsOnly` still lets a URL name: any value, or only these. Absent: 403. */
  readonly open?: 'any' | readonly string[];
}

/** The config lists that snap a value: `widths` snaps up (capped at the largest), `qualities` to the nearest. */
export type SnapList = 'widths' | 'qualities';

export interface IntegerRow extends RowBase {
  readonly kind: Kind.Int;
  /** The smallest value. */
  readonly low: number;
  /** The largest value; absent, config `maxDimension` (a row that means 0 cannot say so). */
  readonly high?: number;
  /** Out of range is clamped (true) or refused (default). */
  readonly clamp?: true;
  /** Only multiples of `step` are accepted, and the value is taken modulo `modulo` (rotation). */
  readonly step?: number;
  readonly modulo?: number;
  /** Multiplied by `dpr` (then clamped). */
  readonly byDpr?: boolean;
  /** Snapped to the config list of that name, when it is set: `up` to the next listed value, else the nearest. */
  readonly snap?: { readonly list: SnapList; readonly up: boolean };
  /** Scaled by the factor that snapping applied to the named row before it (the aspect ratio is kept). */
  readonly follows?: string;
  readonly fold?: (value: number, t: FoldContext, config: Config) => boolean;
}

export interface DecimalRow extends RowBase {
  readonly kind: Kind.Num;
  readonly low: number;
  readonly high: number;
  /** Out of range is clamped (true) or refused (default). */
  readonly clamp?: true;
  /** Canonical spelling rounds to this many decimals (omitted: none). */
  readonly digits?: number;
  /** 0 is accepted besides low..high (and usually folds). */
  readonly zero?: boolean;
  readonly fold?: (value: number, t: FoldContext, config: Config) => boolean;
}

export interface EnumRow extends RowBase {
  readonly kind: Kind.Enum;
  readonly choices: readonly string[];
  readonly aliases?: Readonly<Record<string, string>>;
  /** Also accepts a point `x,y` with each from 0 to 1, canonical with two decimals; `0.5,0.5` is `center`. */
  readonly point?: boolean;
  readonly fold?: (value: string, t: FoldContext, config: Config) => boolean;
}

/** `rgb`, `rrggbb` or `rrggbbaa` hex, canonical lowercase six digits (eight unless opaque). */
export interface ColourRow extends RowBase {
  readonly kind: Kind.Hex;
  readonly fold?: (value: string, t: FoldContext, config: Config) => boolean;
}

/** `x,y,w,h` integers: x and y from 0, w and h from 1, each at most `high`. */
export interface RectRow extends RowBase {
  readonly kind: Kind.Rect;
  readonly high: number;
  readonly fold?: (value: string, t: FoldContext, config: Config) => boolean;
}

/** The name of a config `watermarks` entry; an unknown name is 400 naming the known ones. */
export interface WatermarkRow extends RowBase {
  readonly kind: Kind.Mark;
  readonly fold?: (value: string, t: FoldContext, config: Config) => boolean;
}

/** The name of a config preset; the URL's own parameters win over the preset's. */
export interface PresetRow extends RowBase {
  readonly kind: Kind.Preset;
  readonly canonical: false;
}

export type ParamRow = IntegerRow | DecimalRow | EnumRow | ColourRow | RectRow | WatermarkRow | PresetRow;

const both = (t: FoldContext) => t.w !== undefined && t.h !== undefined;
const fitOf = (t: FoldContext) => (t.fit === undefined ? 'cover' : t.fit);
const defaultQuality = (t: FoldContext, config: Config) => (config.quality as Record<string, number | undefined>)[t.f as string];
/** Whether the output format keeps alpha (not for `source`). */
const alpha = (t: FoldContext) => FORMATS[t.f as OutputFormat].alpha;
/** A `contain` letterbox or `pad`, which `bg` colours. */
const box = (t: FoldContext) => (both(t) && fitOf(t) === 'contain') || (t.pad as number) > 0;
/** A multiplier row (brightness, contrast, saturation): 0 to 4 with two decimals; 1 is unchanged and folds (`fold`, when given, says so too). One function, not three literals: the CloudFront Function's bytes. */
const multiplier = <N extends string>(param: N, fold?: (value: number, t: FoldContext) => boolean) =>
  ({ param, kind: Kind.Num, low: 0, high: 4, digits: 2, fold: fold || ((value: number) => value === 1) }) as const;

/**
 * In canonical order: the canonical query lists parameters in this order. New rows go last.
 * A list, not an object: the CloudFront Functions runtime, like njs, does not promise that an
 * object's keys come back in the order they were written, and fold rules read earlier rows.
 */
export const PARAMS = [
  { param: 'w', kind: Kind.Int, low: 1, clamp: true, byDpr: true, snap: { list: 'widths', up: true } },
  { param: 'h', kind: Kind.Int, low: 1, clamp: true, byDpr: true, follows: 'w' },
  { param: 'f', kind: Kind.Enum, choices: FORMAT_VALUES, aliases: { jpg: 'jpeg' }, open: ['auto'] },
  {
    param: 'q', kind: Kind.Int, low: 1, high: 100, clamp: true, snap: { list: 'qualities', up: false },
    // No quality setting (png, gif), or the format's default; `source` may be either.
    fold: (q, t, config) => t.f !== 'source' && (defaultQuality(t, config) === undefined || defaultQuality(t, config) === q),
  },
  // With one side only, fit changes nothing but fill, which stretches that side alone (found by test/shared/keys-pixels.test.ts).
  { param: 'fit', kind: Kind.Enum, choices: FITS, fold: (fit, t) => fit === 'cover' || (!both(t) && (fit !== 'fill' || !(t.w || t.h))) },
  {
    param: 'pos', kind: Kind.Enum, choices: POSITIONS, point: true,
    fold: (pos, t) => !both(t) || pos === 'center' || (fitOf(t) !== 'cover' && (fitOf(t) !== 'contain' || pos === 'attention' || pos === 'entropy' || pos.indexOf(',') > 0)),
  },
  // The 16 spellings of rot x flip are the 8 orientations: flip=hv is a half turn and flip=v a half turn then h, so flip is h or absent.
  {
    param: 'rot', kind: Kind.Int, low: -Infinity, high: Infinity, step: 90, modulo: 360, fold: (rot) => rot === 0,
    // 'v' and 'hv' sort after 'h' (and undefined sorts after nothing).
    respell: (rot: number | undefined, _t, r) => ((r.flip as string) > 'h' ? ((rot || 0) + 180) % 360 : rot),
  },
  { param: 'flip', kind: Kind.Enum, choices: ['h', 'v', 'hv'], aliases: { vh: 'hv' }, respell: (flip: string | undefined) => (flip && flip !== 'hv' ? 'h' : undefined) },
  // Without a box, bg only flattens: never for an output that keeps alpha, nor for f=source when png is an output (every
  // source with alpha then keeps it). The default colour folds (white without alpha, transparent black with it), except for
  // f=source, whose default depends on the source. An output without alpha ignores bg's alpha (flattening and the letterbox are opaque).
  // Before bg (whose fold reads it): a new row, so no existing key changes order. pad's colour is bg, as a letterbox's is.
  { param: 'pad', kind: Kind.Int, low: 1, high: 1000 },
  {
    param: 'bg', kind: Kind.Hex,
    fold: (bg, t, config) => (t.f === 'source' ? !box(t) && config.formats.outputs.indexOf('png') >= 0 : alpha(t) ? !box(t) || bg === '00000000' : bg === 'ffffff'),
    respell: (bg: string | undefined, t) => (bg && t.f !== 'source' && !alpha(t) ? bg.slice(0, 6) : bg),
  },
  { param: 'blur', kind: Kind.Num, low: 0.3, high: 100, digits: 1, zero: true, fold: (blur) => blur === 0 },
  { param: 'sharpen', kind: Kind.Num, low: 0.5, high: 10, digits: 1, zero: true, fold: (sharpen) => sharpen === 0 },
  { param: 'gray', kind: Kind.Enum, choices: ['0', '1'], fold: (gray) => gray === '0' },
  { param: 'rect', kind: Kind.Rect, high: 65535 },
  {
    param: 'anim', kind: Kind.Enum, choices: ['0', '1'],
    fold: (anim, t) => anim === '1' || (t.f !== 'source' && !FORMATS[t.f as OutputFormat].animates),
  },
  { param: 'trim', kind: Kind.Int, low: 1, high: 100 },
  multiplier('brightness'),
  multiplier('contrast'),
  // sharp converts to greyscale before anything else it does and leaves no colour to saturate.
  multiplier('saturation', (saturation, t) => saturation === 1 || t.gray === '1'),
  { param: 'wm', kind: Kind.Mark },
  { param: 'dpr', kind: Kind.Num, low: 1, high: 4, clamp: true, canonical: false, open: 'any' },
  { param: 'p', kind: Kind.Preset, canonical: false, open: 'any' },
] as const satisfies ReadonlyArray<ParamRow & { readonly param: string }>;

type Rows = (typeof PARAMS)[number];
export type ParamName = Rows['param'];
type Row<K extends ParamName> = Extract<Rows, { param: K }>;
/** The value a row parses to. */
export type ParamValue<K extends ParamName> =
  Row<K> extends { kind: Kind.Int | Kind.Num } ? number
    : Row<K> extends { kind: Kind.Enum; point: true; choices: readonly (infer V)[] } ? V | `${number},${number}`
      : Row<K> extends { kind: Kind.Enum; choices: readonly (infer V)[] } ? V
        : string;
export type CanonicalName = Exclude<Rows, { canonical: false }>['param'];

export const PARAM_NAMES: readonly ParamName[] = /* @__PURE__ */ PARAMS.map((row) => row.param);

/** Each row's place in the table, by name, in an object without a prototype: `constructor` or `__proto__` names no row. */
export const PLACE: Readonly<Record<string, number>> = Object.create(null);
for (let i = 0; i < PARAMS.length; i++) (PLACE as Record<string, number>)[PARAMS[i].param] = i;

/** The names CloudFront must keep in the cache key (and forward to the origin), in canonical order. */
export const CACHE_KEY_PARAMS = /* @__PURE__ */ PARAM_NAMES.filter((name) => findParam(name)!.canonical !== false) as readonly CanonicalName[];

export function findParam(name: string): ParamRow | undefined {
  return PARAMS[PLACE[name]];
}
