// The most distinct cache keys one original can have under a config: what `npm run build`
// prints and the README and SECURITY.md state. A key is the original's path plus a canonical
// query (or none: the original itself). Not part of the normalizer bundles.
//   - Under presetsOnly the URLs a viewer may write are finite (p, dpr, f=auto and Accept), so
//     every one is canonicalized and the distinct keys are counted: an exact number.
//   - Otherwise the bound is a product: for each row of the cache key, the values it can take
//     (from the URL where allowedParams lets the viewer name it, and from every preset at every
//     density), plus its absence; times the formats for `f`, plus the original. A row the
//     viewer may name whose values no config list bounds (`h`, `bg`, `blur`, a `w` without
//     `widths`…) makes the count unbounded, and is named.
import { canonicalQuery, canonicalize, EVERY_RESOLUTION, parseQuery } from './canonical';
import type { Config } from './config';
import { INFO_FORMATS } from './formats';
import { CACHE_KEY_PARAMS, FITS, findParam, type CanonicalName, type ParamName } from './params';

/**
 * The values a cache-key row can carry in a canonical query a viewer's URL makes (its folds
 * already dropped the defaults), or null when no config list bounds them. A new row without
 * its count does not compile.
 */
const URL_VALUES: { readonly [K in CanonicalName]: (config: Config) => number | null } = {
  w: (c) => (c.widths ? c.widths.length : null),
  // Any aspect ratio, also with widths.
  h: () => null,
  f: (c) => c.formats.outputs.length + INFO_FORMATS.length + 1,
  q: (c) => (c.qualities ? c.qualities.length : null),
  fit: () => FITS.length - 1,
  // Focal points.
  pos: () => null,
  rot: () => 3,
  // `h` only: the other spellings are turns.
  flip: () => 1,
  bg: () => null,
  blur: () => null,
  sharpen: () => null,
  gray: () => 1,
  rect: () => null,
  anim: () => 1,
  pad: () => 1000,
  trim: () => 100,
  // 0 to 4 with two decimals, 1 folded.
  brightness: () => 400,
  contrast: () => 400,
  saturation: () => 400,
  wm: (c) => Object.keys(c.watermarks).length,
};

export type KeyBound =
  | { readonly exact: boolean; readonly keys: number; readonly unbounded?: undefined }
  | { readonly unbounded: readonly string[]; readonly keys?: undefined };

/** dpr values that reach every distinct key a preset can make: the list it snaps to, or (unsnapped, with widths) one per width. */
function presetDensities(config: Config, presetQuery: string): number[] | null {
  const open: Config = { ...config, presetsOnly: false, allowedParams: null };
  // Under presetsOnly, config parsing has made them 1, 2 and 3 when the file says null.
  if (config.densities) return config.densities.slice();
  const w = parseQuery(presetQuery, open).w;
  // Without widths, any dpr makes another w (and h): unbounded unless the preset names neither.
  if (!config.widths) return w === undefined && parseQuery(presetQuery, open).h === undefined ? [1] : null;
  // With widths, w snaps up: the dpr that reaches each listed width exactly, and the extremes.
  const out = [1, 4];
  for (const width of config.widths) if (w && width / w > 1 && width / w < 4) out.push(width / w);
  return out;
}

export function maxKeysPerOriginal(config: Config): KeyBound {
  const viewerMay = (name: ParamName) => (config.allowedParams === null || config.allowedParams.indexOf(name) >= 0)
    && (!config.presetsOnly || findParam(name)!.open !== undefined);
  const presets = viewerMay('p') ? Object.keys(config.presets) : [];
  const dprAllowed = viewerMay('dpr');
  const unbounded: string[] = [];
  // The config as presets and canonical queries are read: no viewer rules.
  const open: Config = { ...config, presetsOnly: false, allowedParams: null };

  // Every key the presets make, at every density that matters, for every Accept.
  const presetKeys = new Set<string>();
  const presetValues: Record<string, Set<string>> = {};
  for (const name of presets) {
    const densities = dprAllowed ? presetDensities(config, config.presets[name]) : [1];
    if (!densities) {
      if (unbounded.indexOf('dpr') < 0) unbounded.push('dpr');
      continue;
    }
    // Under presetsOnly a URL may still say f=auto, over a preset's own f.
    const formats = viewerMay('f') ? ['', '&f=auto'] : [''];
    for (const dpr of densities) {
      for (const accept of EVERY_RESOLUTION) for (const f of formats) {
        const query = `p=${name}&dpr=${dpr}${f}`;
        presetKeys.add(canonicalQuery(query, accept, open));
        const transform = canonicalize(parseQuery(query, open), accept, config) as Record<string, unknown>;
        for (const row of CACHE_KEY_PARAMS) if (transform[row] !== undefined) (presetValues[row] ||= new Set()).add(String(transform[row]));
      }
    }
  }

  if (config.presetsOnly) {
    if (unbounded.length) return { unbounded };
    // The original, the presets' keys, and a URL with dpr alone (or f=auto): f only.
    const keys = new Set(presetKeys);
    keys.add('');
    for (const accept of EVERY_RESOLUTION) if (viewerMay('dpr') || viewerMay('f')) keys.add(canonicalQuery('f=auto', accept, open));
    return { exact: true, keys: keys.size };
  }

  let product = 1;
  let formats = 0;
  for (const row of CACHE_KEY_PARAMS) {
    const fromPresets = presetValues[row] ? presetValues[row].size : 0;
    let values: number;
    if (viewerMay(row)) {
      const count = URL_VALUES[row](config);
      if (count === null) {
        unbounded.push(row);
        continue;
      }
      values = count + fromPresets;
    } else if (row === 'f') {
      // Resolved from Accept: source, webp and avif as far as config lets f=auto pick them.
      const resolved = new Set(EVERY_RESOLUTION.map((accept) => canonicalQuery('f=auto', accept, open)));
      values = resolved.size + fromPresets;
    } else {
      values = fromPresets;
    }
    if (row === 'f') formats = values;
    else product *= values + 1;
  }
  return unbounded.length ? { unbounded } : { exact: false, keys: 1 + formats * product };
}

/** The line `npm run build` prints. */
export function keyBoundLine(config: Config): string {
  const bound = maxKeysPerOriginal(config);
  if (bound.unbounded) {
    return `keys per original: unbounded: ${bound.unbounded.join(', ')} can take values no config list bounds (set allowedParams, widths, qualities, densities or presetsOnly)`;
  }
  return `keys per original: ${bound.exact ? '' : 'at most '}${bound.keys.toLocaleString('en-US')}`;
}
