// Canonicalization: the raw query and Accept header in, one canonical query out. Two requests
// whose outputs are identical for every source get the same canonical query; two whose
// outputs can differ never do. Pure, no Node APIs: this is what the normalizer runs.
import { acceptsExplicitly } from './accept';
import type { NormalizerConfig as Config } from './config';
import { quoteReceived, resizerError } from './errors';
import { OUTPUT_FORMATS, type InfoFormat } from './formats';
import { own } from './own';
import './features';
import {
  Kind, PARAMS, PARAM_NAMES, PLACE, findParam,
  type CanonicalName, type DecimalRow, type FoldContext, type FormatValue, type IntegerRow, type OutputFormat, type ParamName, type ParamRow, type ParamValue,
} from './params';

const ENCODED = /[%+]/;

/** What a URL asked for, validated and clamped, before defaults and `Accept` are folded in. */
export type RequestedTransform = { [K in ParamName]?: ParamValue<K> };

/** A transform in canonical form: the only shape the resizer acts on. */
export type CanonicalTransform =
  & { readonly [K in Exclude<CanonicalName, 'f'>]?: ParamValue<K> }
  & { readonly f: OutputFormat | InfoFormat | 'source' };

function decode(component: string, what: string): string {
  // Most names and values have nothing to decode: no call, no try.
  if (!ENCODED.test(component)) return component;
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch (_) {
    throw resizerError(400, 'bad_encoding', `${what} must be percent-encoded UTF-8, got ${quoteReceived(component)}`);
  }
}

/** A row's largest value: its own, or config `maxDimension` (no row's `high` is 0). */
function maxOf(row: { high?: number }, config: Config): number {
  return row.high || config.maxDimension;
}

const NO_PRESETS = 'a preset, and there are none';

function presetNames(config: Config): string {
  return namesOf(config.presets, NO_PRESETS);
}

/** What a name row accepts: one of the config's names, or `none` when it has none. */
function namesOf(entries: object, none: string): string {
  const names = Object.keys(entries);
  return names.length ? `one of ${names.join(', ')}` : none;
}

/** Every value of every row but `f`'s output formats, which config `formats.outputs` may leave out. */
function isAllowedValue(name: string, value: string, config: Config): boolean {
  return name !== 'f' || OUTPUT_FORMATS.indexOf(value as OutputFormat) < 0 || config.formats.outputs.indexOf(value as OutputFormat) >= 0;
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

function round(value: number, digits: number): number {
  const scale = Math.pow(10, digits);
  return Math.round(value * scale) / scale;
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;
const POINT = /^(\d+(?:\.\d*)?|\.\d+),(\d+(?:\.\d*)?|\.\d+)$/;
const COLOUR = /^([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/;
const RECT = /^(\d+),(\d+),(\d+),(\d+)$/;

/**
 * The canonical spelling of a valid value, or a thrown 400 whose one line says what the row
 * accepts (written from the row's kind and fields) and what was received. One branch per kind
 * does both, so a kind's parsing and its description sit together.
 */
function parseValue(name: string, row: ParamRow, raw: string, config: Config): string | number {
  let allowed: string;
  if (row.kind === Kind.Enum) {
    // Own properties only: `f=__proto__` or `f=constructor` is an unknown value, not Object's.
    const value = row.aliases && own(row.aliases, raw) ? row.aliases[raw] : raw;
    if (row.choices.indexOf(value) >= 0 && isAllowedValue(name, value, config)) return value;
    const point = row.point ? POINT.exec(raw) : null;
    const xy = point ? point.slice(1).map(Number) : [];
    if (xy[0] <= 1 && xy[1] <= 1) {
      const spelled = xy.map((v) => round(v, 2).toFixed(2)).join(',');
      return spelled === '0.50,0.50' ? 'center' : spelled;
    }
    allowed = `one of ${row.choices.filter((v) => isAllowedValue(name, v, config)).join(', ')}${row.point ? ', or x,y with each from 0 to 1' : ''}`;
  } else if (row.kind === Kind.Hex) {
    const hex = raw.toLowerCase();
    if (COLOUR.test(hex)) {
      const six = hex.length === 3 ? hex.replace(/./g, '$&$&') : hex;
      return six.slice(6) === 'ff' ? six.slice(0, 6) : six;
    }
    allowed = 'a hex colour rgb, rrggbb or rrggbbaa';
  } else if (row.kind === Kind.Rect) {
    const m = RECT.exec(raw);
    const xywh = m ? m.slice(1).map(Number) : [];
    let inside = !!m;
    for (let i = 0; i < 4; i++) if (xywh[i] > row.high || (i > 1 && xywh[i] < 1)) inside = false;
    if (inside) return xywh.join(',');
    allowed = `x,y,w,h in pixels: integers from 0 to ${row.high}, w and h at least 1`;
  } else if (row.kind === Kind.Preset || row.kind === Kind.Mark) {
    // A config name: a preset, or a watermark. Without allowlists in the build (a config with
    // presets or watermarks has them), the config has none.
    const mark = row.kind === Kind.Mark;
    const none = mark ? 'a watermark, and there are none' : NO_PRESETS;
    if (NORMALIZER_FEATURES.allowlists && own(mark ? config.watermarks : config.presets, raw)) return raw;
    allowed = NORMALIZER_FEATURES.allowlists ? namesOf(mark ? config.watermarks : config.presets, none) : none;
  } else {
    // A new kind of row that no branch above parses does not compile.
    const numeric: IntegerRow | DecimalRow = row;
    const integer = numeric.kind === Kind.Int;
    const max = maxOf(numeric, config);
    const n = (integer ? INTEGER : DECIMAL).test(raw) ? Number(raw) : NaN;
    if (integer && numeric.step) {
      if (n % numeric.step === 0) return ((n % numeric.modulo!) + numeric.modulo!) % numeric.modulo!;
      allowed = `an integer multiple of ${numeric.step}`;
    } else {
      if (!integer && numeric.zero && n === 0) return 0;
      // NaN is neither below nor above: the regex's refusal is checked on its own.
      if (n === n && (numeric.clamp || (n >= numeric.low && n <= max))) {
        const value = clamp(n, numeric.low, max);
        return !integer && numeric.digits !== undefined ? round(value, numeric.digits) : value;
      }
      allowed = `${!integer && numeric.zero ? '0 or ' : ''}${integer ? 'an integer' : 'a number'} from ${numeric.low} to ${max}`;
    }
  }
  throw resizerError(400, 'bad_parameter', `${name} must be ${allowed}, got ${quoteReceived(raw)}`);
}

/** The listed value `value` snaps to: the next one up (capped at the largest), or the nearest (the higher on a tie). */
function snap(value: number, list: readonly number[], up: boolean): number {
  for (let i = 0; i < list.length; i++) {
    if (list[i] >= value) return up || i === 0 || list[i] - value <= value - list[i - 1] ? list[i] : list[i - 1];
  }
  return list[list.length - 1];
}

/**
 * Parses a raw (still percent-encoded) query string. Unknown names are dropped; for a
 * repeated name the first occurrence wins and later ones are ignored, as CloudFront
 * Functions' `value` does. Throws a 400 ResizerError for a malformed value, and with config
 * `presetsOnly` (unless `notViewer`) a 403 for a name the table does not leave open. A preset row's
 * value then expands to the preset's own parameters, under the ones the URL names.
 */
function parsePairs(rawQuery: string, config: Config, notViewer?: boolean): RequestedTransform {
  const requested: Record<string, string | number> = {};
  const pairs = rawQuery ? rawQuery.split('&') : [];
  let preset: string | undefined;
  for (let i = 0; i < pairs.length; i++) {
    // An empty pair (`a&&b`) names '', which no row is: dropped below.
    const eq = pairs[i].indexOf('=');
    const rawName = eq < 0 ? pairs[i] : pairs[i].slice(0, eq);
    const name = decode(rawName, 'query parameter names');
    const row = findParam(name);
    if (!row || own(requested, name)) continue;
    const raw = decode(eq < 0 ? '' : pairs[i].slice(eq + 1), name);
    // The rows that leave something open under presetsOnly are p, dpr and f=auto (a test holds this line to the table).
    if (NORMALIZER_FEATURES.allowlists && !notViewer) {
      const closed = config.presetsOnly && row.open !== 'any' && !(row.open && row.open.indexOf(raw) >= 0);
      if (closed || (config.allowedParams && config.allowedParams.indexOf(name as ParamName) < 0)) {
        throw resizerError(403, closed ? 'presets_only' : 'param_not_allowed', `${name} is not allowed here: this site ${closed ? `serves presets only (p, ${presetNames(config)}; with dpr and f=auto)` : `allows only ${config.allowedParams!.join(', ')}`}, got ${quoteReceived(name + '=' + raw)}`);
      }
    }
    const value = parseValue(name, row, raw, config);
    requested[name] = value;
    if (NORMALIZER_FEATURES.allowlists && row.kind === Kind.Preset) preset = config.presets[value as string];
  }
  if (NORMALIZER_FEATURES.allowlists && preset) {
    const expanded = parsePairs(preset, config, true) as Record<string, string | number>;
    for (const name in expanded) if (!own(requested, name)) requested[name] = expanded[name];
  }
  return requested as RequestedTransform;
}

/** A viewer's query (`presetsOnly` applies). */
export const parseQuery: (rawQuery: string, config: Config) => RequestedTransform = parsePairs;

/** Config-time check of a preset's query: valid, a transform, and naming only known parameters other than presets. */
export function parsePresetQuery(query: string, config: Config): RequestedTransform {
  const pairs = query.split('&');
  for (let i = 0; i < pairs.length; i++) {
    const name = decode(pairs[i].split('=')[0], 'query parameter names');
    const row = findParam(name);
    if (!row || row.kind === Kind.Preset) throw resizerError(400, 'bad_parameter', `a preset may name only ${PARAM_NAMES.filter((n) => findParam(n)!.kind !== Kind.Preset).join(', ')}, got ${quoteReceived(name)}`);
  }
  const requested = parsePairs(query, config, true);
  if (!isTransform(requested)) throw resizerError(400, 'bad_parameter', 'a preset must name at least one parameter');
  return requested;
}

export function isTransform(requested: RequestedTransform): boolean {
  for (const name in requested) if (requested[name as ParamName] !== undefined) return true;
  return false;
}

/**
 * A transform's values by their row's place in the table: one pass over the few parameters it
 * names, where looking every row's name up in it costs a failed property look-up per row.
 */
function byPlace(transform: object): Array<string | number | undefined> {
  const values: Array<string | number | undefined> = [];
  for (const name in transform) if (PLACE[name] !== undefined) values[PLACE[name]] = (transform as Record<string, string | number | undefined>)[name];
  return values;
}

function resolveFormat(f: FormatValue | undefined, accept: string | undefined, config: Config): CanonicalTransform['f'] {
  if (f !== undefined && f !== 'auto') return f;
  const outputs = config.formats.outputs;
  if (config.formats.autoAvif && outputs.indexOf('avif') >= 0 && acceptsExplicitly(accept, 'image/avif')) return 'avif';
  if (outputs.indexOf('webp') >= 0 && acceptsExplicitly(accept, 'image/webp')) return 'webp';
  return 'source';
}

/** Accept headers that between them give every format `f=auto` can resolve to (it reads only these two types). */
export const EVERY_RESOLUTION = ['image/avif,image/webp', 'image/webp', undefined];

function scaled(value: number, factor: number, config: Config): number {
  return clamp(Math.round(value * factor), 1, config.maxDimension);
}

/**
 * Folds defaults, `dpr` and `Accept` into the one canonical form; null for a bare request.
 * `dpr` snaps up to config `densities` (1, 2, 3 under presetsOnly without them). One pass in
 * table order: `w` and `h` take `dpr`, `w` snaps to config `widths` and a `h` given with it
 * becomes the snapped `w` times the requested `h`/`w` (so it depends on nothing else), `q`
 * snaps to `qualities`, `f` takes `Accept`, and each row's respell and fold rules see the
 * canonical values before it.
 */
export function canonicalize(requested: RequestedTransform, accept: string | undefined, config: Config): CanonicalTransform | null {
  if (!isTransform(requested)) return null;
  let dpr = requested.dpr === undefined ? 1 : requested.dpr;
  const out: Record<string, string | number | undefined> = {};
  // The rows that snapped, for the rows that follow one.
  const snapped: Record<string, boolean> = {};
  const values = byPlace(requested);
  if (NORMALIZER_FEATURES.allowlists) {
    // Under presetsOnly config parsing has made them 1, 2 and 3 when the file says null.
    if (config.densities) dpr = snap(dpr, config.densities, true);
  }
  for (let i = 0; i < PARAMS.length; i++) {
    const row: ParamRow & { param: ParamName } = PARAMS[i];
    const name = row.param;
    let value = values[i];
    // Only `f` (Accept) and a row with a respell rule (rot, from flip) have something to fold in when the URL does not name them.
    if (row.canonical === false || (value === undefined && name !== 'f' && !row.respell)) continue;
    if (typeof value === 'number' && row.kind === Kind.Int) {
      if (row.byDpr) value = scaled(value, dpr, config);
      // Constant `if`s the build drops when the config has no allowlists (shared/features.ts).
      if (NORMALIZER_FEATURES.allowlists) {
        if (row.follows && snapped[row.follows]) value = scaled(out[row.follows] as number, (requested[name] as number) / (requested[row.follows as ParamName] as number), config);
        const list = row.snap && config[row.snap.list];
        if (list) {
          value = snap(value, list, row.snap!.up);
          snapped[name] = true;
        }
      }
    }
    if (name === 'f') value = resolveFormat(value as FormatValue | undefined, accept, config);
    if (row.respell) value = row.respell(value as never, out, requested as FoldContext);
    if (value !== undefined && !(row.fold && row.fold(value as never, out, config))) out[name] = value;
  }
  return out as CanonicalTransform;
}

/** Serializes a canonical transform in the table's order; '' for a bare request. */
export function formatCanonical(transform: CanonicalTransform | null): string {
  if (!transform) return '';
  const values = byPlace(transform);
  const parts: string[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] !== undefined && (PARAMS[i] as ParamRow).canonical !== false) parts.push(PARAMS[i].param + '=' + values[i]);
  return parts.join('&');
}

/** The whole normalizer: raw query and Accept header in, canonical query string out. */
export function canonicalQuery(rawQuery: string, accept: string | undefined, config: Config): string {
  return formatCanonical(canonicalize(parseQuery(rawQuery, config), accept, config));
}

/**
 * The canonical query of a URL that leaves `f` to the edge (absent or `auto`), as site code
 * writes it (the client package): every parameter the normalizer would keep for at least one
 * format `f=auto` can resolve to, `f` itself left out. With an explicit `f` it is the canonical
 * query. The normalizer turns it into the canonical query by resolving `f` and nothing else
 * that it has not already decided the same way.
 */
export function portableQuery(rawQuery: string, config: Config): string {
  const requested = parseQuery(rawQuery, config);
  if (NORMALIZER_FEATURES.allowlists && requested.p !== undefined) return presetPortableQuery(rawQuery, requested.p, config);
  if (requested.f !== undefined && requested.f !== 'auto') return formatCanonical(canonicalize(requested, undefined, config));
  const kept: Record<string, string | number> = {};
  for (let i = 0; i < EVERY_RESOLUTION.length; i++) {
    const transform = canonicalize(requested, EVERY_RESOLUTION[i], config) as Record<string, string | number | undefined> | null;
    for (const name in transform) if (transform[name] !== undefined && name !== 'f') kept[name] = transform[name]!;
  }
  // A transform that is nothing but `f=auto` still asks for the edge's choice, not the original.
  const query = formatCanonical({ ...kept, f: undefined } as unknown as CanonicalTransform);
  return query === '' && isTransform(requested) ? 'f=auto' : query;
}

/**
 * A URL that names a preset keeps `p` as the preset's one spelling (a `presetsOnly` edge
 * accepts nothing else), with only the parameters the URL names that differ from the
 * preset's, each in its canonical spelling, in table order (`dpr`, then `p`, last). The edge
 * expands and folds it exactly as it would the raw query: its cache key is unchanged.
 */
function presetPortableQuery(rawQuery: string, preset: string, config: Config): string {
  const withoutPreset = rawQuery.split('&').filter((pair) => decode(pair.split('=')[0], 'query parameter names') !== 'p').join('&');
  const named = parsePairs(withoutPreset, config, true) as Record<string, string | number | undefined>;
  const expanded = parsePairs(config.presets[preset], config, true) as Record<string, string | number | undefined>;
  const parts: string[] = [];
  for (let i = 0; i < PARAMS.length; i++) {
    const name = PARAMS[i].param;
    const value = name === 'p' ? preset : named[name];
    // What the preset already says, `dpr=1` and an `f=auto` the preset has no `f` to override are no-ops.
    if (value === undefined || value === expanded[name] || (name === 'dpr' && value === 1) || (name === 'f' && value === 'auto' && expanded.f === undefined)) continue;
    parts.push(name + '=' + value);
  }
  return parts.join('&');
}

function sortedPairs(query: string): string {
  return query.split('&').sort().join('&');
}

/**
 * Reads a canonical query back for the resizer. Anything that is not canonical (a request
 * that bypassed the normalizer) is treated as no transform, so the origin's answer passes
 * through untouched instead of spending work on an uncanonical cache key. The order of the
 * parameters is not checked: CloudFront forwards the cache-key parameters to the origin, and
 * its documentation promises nothing about their order.
 */
export function parseCanonical(query: string, config: Config): CanonicalTransform | null {
  if (!query) return null;
  let requested: RequestedTransform;
  try {
    // The canonical query of a presetsOnly site spells the preset out: not a viewer's URL.
    requested = parsePairs(query, config, true);
  } catch (_) {
    return null;
  }
  const transform = canonicalize(requested, undefined, config);
  return transform && sortedPairs(formatCanonical(transform)) === sortedPairs(query) ? transform : null;
}
