// Canonicalization: the raw query and Accept header in, one canonical query out. Two requests
// whose outputs are identical for every source get the same canonical query; two whose
// outputs can differ never do. Pure, no Node APIs: this is what the normalizer runs.
import { acceptsExplicitly } from './accept';
import type { Config } from './config';
import { quoteReceived, resizerError } from './errors';
import {
  PARAMS, findParam,
  type Fit, type FormatValue, type OutputFormat, type ParamSpec, type Position,
} from './params';

/** What a URL asked for, validated and clamped, before defaults and `Accept` are folded in. */
export interface RequestedTransform {
  w?: number;
  h?: number;
  f?: FormatValue;
  q?: number;
  fit?: Fit;
  pos?: Position;
  dpr?: number;
}

/** A transform in canonical form: the only shape the resizer acts on. */
export interface CanonicalTransform {
  readonly w?: number;
  readonly h?: number;
  readonly f: OutputFormat | 'source';
  readonly q?: number;
  readonly fit?: Fit;
  readonly pos?: Position;
}

function decode(component: string, what: string): string {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch (_) {
    throw resizerError(400, 'bad_encoding', `${what} must be percent-encoded UTF-8, got ${quoteReceived(component)}`);
  }
}

function allowedText(spec: ParamSpec, config: Config): string {
  if (spec.kind === 'enum') {
    const values = spec.values.filter((v) => isAllowedValue(spec, v, config));
    return `one of ${values.join(', ')}`;
  }
  const max = spec.max === 'maxDimension' ? config.maxDimension : spec.max;
  return `${spec.kind === 'integer' ? 'an integer' : 'a number'} from ${spec.min} to ${max}`;
}

function isAllowedValue(spec: ParamSpec, value: string, config: Config): boolean {
  if (spec.name !== 'f') return true;
  return value === 'auto' || value === 'source' || config.formats.outputs.indexOf(value as OutputFormat) >= 0;
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

function parseValue(spec: ParamSpec, raw: string, config: Config): string | number {
  const bad = () => resizerError(400, 'bad_parameter', `${spec.name} must be ${allowedText(spec, config)}, got ${quoteReceived(raw)}`);
  if (spec.kind === 'enum') {
    // Own properties only: `f=__proto__` or `f=constructor` is an unknown value, not Object's.
    const value = Object.prototype.hasOwnProperty.call(spec.aliases, raw) ? spec.aliases[raw] : raw;
    if (spec.values.indexOf(value) < 0 || !isAllowedValue(spec, value, config)) throw bad();
    return value;
  }
  if (!(spec.kind === 'integer' ? INTEGER : DECIMAL).test(raw)) throw bad();
  const max = spec.max === 'maxDimension' ? config.maxDimension : spec.max;
  return clamp(Number(raw), spec.min, max);
}

/**
 * Parses a raw (still percent-encoded) query string. Unknown names are dropped; for a
 * repeated name the first occurrence wins and later ones are ignored, as CloudFront
 * Functions' `value` does. Throws a 400 ResizerError for a malformed value.
 */
export function parseQuery(rawQuery: string, config: Config): RequestedTransform {
  const requested: Record<string, string | number> = {};
  const pairs = rawQuery ? rawQuery.split('&') : [];
  for (let i = 0; i < pairs.length; i++) {
    if (pairs[i] === '') continue;
    const eq = pairs[i].indexOf('=');
    const rawName = eq < 0 ? pairs[i] : pairs[i].slice(0, eq);
    const name = decode(rawName, 'query parameter names');
    const spec = findParam(name);
    if (!spec || Object.prototype.hasOwnProperty.call(requested, name)) continue;
    const value = decode(eq < 0 ? '' : pairs[i].slice(eq + 1), name);
    requested[name] = parseValue(spec, value, config);
  }
  return requested as RequestedTransform;
}

export function isTransform(requested: RequestedTransform): boolean {
  for (let i = 0; i < PARAMS.length; i++) if ((requested as Record<string, unknown>)[PARAMS[i].name] !== undefined) return true;
  return false;
}

function resolveFormat(f: FormatValue | undefined, accept: string | undefined, config: Config): OutputFormat | 'source' {
  if (f !== undefined && f !== 'auto') return f;
  const outputs = config.formats.outputs;
  if (config.formats.autoAvif && outputs.indexOf('avif') >= 0 && acceptsExplicitly(accept, 'image/avif')) return 'avif';
  if (outputs.indexOf('webp') >= 0 && acceptsExplicitly(accept, 'image/webp')) return 'webp';
  return 'source';
}

function scaled(value: number | undefined, dpr: number, config: Config): number | undefined {
  return value === undefined ? undefined : clamp(Math.round(value * dpr), 1, config.maxDimension);
}

/** Folds defaults, `dpr` and `Accept` into the one canonical form; null for a bare request. */
export function canonicalize(requested: RequestedTransform, accept: string | undefined, config: Config): CanonicalTransform | null {
  if (!isTransform(requested)) return null;
  const dpr = requested.dpr === undefined ? 1 : requested.dpr;
  const w = scaled(requested.w, dpr, config);
  const h = scaled(requested.h, dpr, config);
  const f = resolveFormat(requested.f, accept, config);

  // Quality has no effect on png and gif, and the format's default is the same as no q.
  let q = requested.q;
  if (f === 'png' || f === 'gif' || (q !== undefined && f !== 'source' && q === config.quality[f])) q = undefined;

  // fit and pos only matter when both dimensions are fixed; pos only for cover and contain,
  // and smart crops only for cover.
  let fit: Fit | undefined;
  let pos: Position | undefined;
  if (w !== undefined && h !== undefined) {
    fit = requested.fit === 'cover' ? undefined : requested.fit;
    const effectiveFit = fit === undefined ? 'cover' : fit;
    pos = requested.pos;
    if (effectiveFit === 'contain' && (pos === 'attention' || pos === 'entropy')) pos = undefined;
    if (pos === 'center' || (effectiveFit !== 'cover' && effectiveFit !== 'contain')) pos = undefined;
  }
  return { w, h, f, q, fit, pos };
}

/** Serializes a canonical transform in the table's order; '' for a bare request. */
export function formatCanonical(transform: CanonicalTransform | null): string {
  if (!transform) return '';
  const parts: string[] = [];
  for (let i = 0; i < PARAMS.length; i++) {
    const value = (transform as unknown as Record<string, unknown>)[PARAMS[i].name];
    if (PARAMS[i].canonical && value !== undefined) parts.push(PARAMS[i].name + '=' + value);
  }
  return parts.join('&');
}

/** The whole normalizer: raw query and Accept header in, canonical query string out. */
export function canonicalQuery(rawQuery: string, accept: string | undefined, config: Config): string {
  return formatCanonical(canonicalize(parseQuery(rawQuery, config), accept, config));
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
    requested = parseQuery(query, config);
  } catch (_) {
    return null;
  }
  const transform = canonicalize(requested, undefined, config);
  return transform && sortedPairs(formatCanonical(transform)) === sortedPairs(query) ? transform : null;
}
