// @edge-image-resizer/client: URLs for the edge, built from shared/ so they are exactly what
// the normalizer would make of them (the same parameter table, fold rules and messages). No
// runtime dependencies and no Node APIs: it runs in browsers, Node and edge runtimes alike.
import { thumbHashToDataURL } from 'thumbhash';
import { canonicalize, parseQuery, portableQuery } from '../../shared/canonical';
import type { NormalizerConfig } from '../../shared/config';
import { bakedConfig } from '../../shared/baked-config';
import { quoteReceived, resizerError } from '../../shared/errors';
import { PARAM_NAMES, findParam, type ParamName, type ParamValue } from '../../shared/params';

import { signUrl, withWidth } from '../../shared/signing';

export { isResizerError, type ResizerError } from '../../shared/errors';
/** The signing scheme's one implementation (shared/signing.ts). Server or build side only. */
export { hasSignedWidths, signUrl, withWidth, type SignOptions } from '../../shared/signing';

/** The URL parameters, named and typed as the parameter table defines them. */
export type ImageParams = { [K in ParamName]?: ParamValue<K> };

/** The edge's config as the normalizer reads it: made by edgeConfig() of `@edge-image-resizer/client/config`. */
export type EdgeConfig = NormalizerConfig;

export interface ClientOptions {
  /** The edge's config, when it is not the one this package was built with: edgeConfig(yourResizerConfigJson). */
  readonly config?: EdgeConfig;
}

/** The build bakes in the normalizer's keys of the config (scripts/build-client.ts), as it does for the normalizers. */
const built: NormalizerConfig = bakedConfig;

/** An S3 key as a URL path: each segment percent-encoded, slashes kept (what CloudFront decodes back). */
export function encodeKey(key: string): string {
  const trimmed = key.replace(/^\/+/, '');
  if (trimmed === '' || /^[a-z][a-z0-9+.-]*:/i.test(trimmed)) throw new Error(`path must be an object key like "photos/cat.jpg", got ${quoteReceived(key)}`);
  return trimmed.split('/').map(encodeURIComponent).join('/');
}

function rawQuery(params: ImageParams): string {
  const pairs: string[] = [];
  for (const name of Object.keys(params)) {
    const value = (params as Record<string, unknown>)[name];
    if (value === undefined || value === null) continue;
    // The normalizer ignores unknown names; a site's code that misspells one wants to know.
    if (!findParam(name)) throw resizerError(400, 'bad_parameter', `${name} is not a parameter: one of ${PARAM_NAMES.join(', ')}`);
    pairs.push(encodeURIComponent(name) + '=' + encodeURIComponent(String(value)));
  }
  return pairs.join('&');
}

/** What every base URL must look like: absolute, http or https, with a host. */
const ABSOLUTE_BASE = /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/i;

/**
 * The base URL of the edge, checked: a missing or relative one would make a URL that resolves
 * against the page (or fails far from here), so it is refused with one line naming `who`.
 */
export function checkBase(base: unknown, who: string): string {
  if (typeof base !== 'string' || !ABSOLUTE_BASE.test(base)) {
    throw new Error(`${who} needs the CDN's absolute URL like "https://images.example.com" (the distribution's domain, or your own), got ${base === undefined ? 'nothing' : quoteReceived(String(base))}`);
  }
  return base.replace(/\/+$/, '');
}

/**
 * The one URL of a variant: parameters in canonical order, defaults and `dpr` folded, the key
 * percent-encoded. `f` absent (or `auto`) stays absent, for the edge to resolve from
 * `Accept`. Invalid parameters throw the ResizerError the normalizer would answer 400 with.
 */
export function imageUrl(base: string, path: string, params: ImageParams = {}, options?: ClientOptions): string {
  const root = checkBase(base, 'imageUrl');
  const query = portableQuery(rawQuery(params), (options && options.config) || built);
  return root + '/' + encodeKey(path) + (query ? '?' + query : '');
}

/** The `w` the edge makes of a URL of imageUrl's: the normalizer's own clamping, snapping, `dpr` and preset. */
function widthOf(url: string, config: EdgeConfig): number | undefined {
  const query = url.indexOf('?') < 0 ? '' : url.slice(url.indexOf('?') + 1);
  const transform = canonicalize(parseQuery(query, config), undefined, config);
  return transform ? transform.w : undefined;
}

/** Widths for a srcset when none are given or configured: common device widths. */
export const DEFAULT_WIDTHS: readonly number[] = [320, 480, 640, 750, 828, 1080, 1200, 1920, 2048];

export interface SrcsetOptions extends ClientOptions {
  readonly base: string;
  /** Candidate widths. Default: the config's `widths` when it has them, else DEFAULT_WIDTHS. */
  readonly widths?: readonly number[];
  /**
   * The original's width in pixels (`fetchInfo`'s `source.width`). The edge never enlarges
   * (unless its config sets `allowEnlargement`), so no candidate is named wider than this: the
   * widths beyond it become one candidate of the whole width.
   */
  readonly sourceWidth?: number;
  /**
   * The original's height (`fetchInfo`'s `source.height`), with `aspectRatio`: a crop taller
   * than the original cannot be made either, so no candidate is wider than
   * `sourceHeight * aspectRatio`.
   */
  readonly sourceHeight?: number;
  /**
   * Width over height of every candidate (say 4 / 3 with `fit: 'cover'`): each gets the `h` of
   * its own `w`, so all candidates show the same picture. A fixed `h` in `params` would not.
   */
  readonly aspectRatio?: number;
  /** Every other parameter. Not `h`: see aspectRatio. */
  readonly params?: Omit<ImageParams, 'w' | 'h' | 'dpr'>;
}

/**
 * A `srcset` attribute: one candidate per width the edge would really produce. A width the
 * edge snaps (config `widths`) or clamps (`maxDimension`), or one wider than `sourceWidth`, is
 * named by what it becomes, and duplicates are dropped, so the browser never picks a candidate
 * that is not what it says.
 */
export function srcset(path: string, options: SrcsetOptions): string {
  checkBase(options.base, 'srcset');
  const { sourceWidth, sourceHeight, aspectRatio } = options;
  for (const [name, value] of [['sourceWidth', sourceWidth], ['sourceHeight', sourceHeight]] as const) {
    if (value !== undefined && !(typeof value === 'number' && value >= 1 && value === Math.floor(value))) {
      throw new Error(`srcset ${name} must be the original's size, a whole number of pixels, got ${quoteReceived(String(value))}`);
    }
  }
  if (aspectRatio !== undefined && !(typeof aspectRatio === 'number' && aspectRatio > 0 && isFinite(aspectRatio))) {
    throw new Error(`srcset aspectRatio must be width over height, a positive number, got ${quoteReceived(String(aspectRatio))}`);
  }
  if (options.params && (options.params as ImageParams).h !== undefined) {
    throw new Error('srcset params.h would give every candidate the same height and so a different shape; give aspectRatio (width over height) instead');
  }
  // The widest output the edge makes without enlarging: the original's width, or with a shape,
  // the widest crop of that shape the original holds.
  let widest = sourceWidth;
  if (aspectRatio !== undefined && sourceHeight !== undefined) {
    widest = Math.min(widest === undefined ? Infinity : widest, Math.max(1, Math.floor(sourceHeight * aspectRatio)));
  }
  // Config `widths` (the edge's allowlist, when the config has one) are the natural candidates.
  const config = options.config || built;
  const listed = config.widths;
  const widths = options.widths || listed || DEFAULT_WIDTHS;
  const seen: Record<string, true> = {};
  const out: string[] = [];
  for (const wanted of widths) {
    // Past the original, ask for its own width: one URL (one cache entry) for that output.
    const width = widest !== undefined && wanted > widest ? widest : wanted;
    const params: ImageParams = { ...options.params, w: width };
    if (aspectRatio !== undefined) params.h = Math.max(1, Math.round(width / aspectRatio));
    const url = imageUrl(options.base, path, params, options);
    const edge = widthOf(url, config);
    if (edge === undefined) continue;
    // A width the edge snaps up past the original comes back at the original's size: the same
    // picture for a plain resize, but not the asked shape for a crop, so that candidate goes.
    if (widest !== undefined && edge > widest && aspectRatio !== undefined) continue;
    const actual = widest !== undefined ? Math.min(edge, widest) : edge;
    if (seen[actual]) continue;
    seen[actual] = true;
    out.push(`${url} ${actual}w`);
  }
  return out.join(', ');
}

/** The `ws` range of a URL, from its query as sent. */
function signedRange(url: string): [number, number] {
  const m = /[?&]ws=(\d+)-(\d+)(&|#|$)/.exec(url);
  if (!m || !/[?&]sig=/.test(url)) throw new Error(`srcsetFrom needs a URL signed with widths (signUrl's widths option: ws and sig), got ${quoteReceived(url)}`);
  return [Number(m[1]), Number(m[2])];
}

export interface SrcsetFromOptions extends ClientOptions {
  /** Candidate widths. Default: the config's `widths` when it has them, else DEFAULT_WIDTHS. */
  readonly widths?: readonly number[];
}

/**
 * A `srcset` from one URL signed with `widths` (`ws`): each candidate is that URL with its own
 * `w`, under the one signature, so a page needs no key and no server round per width. Widths
 * the edge would make outside the signed range (after `dpr` and `widths` snapping) are left out,
 * since the edge answers them 403; candidates are named by the width the edge really makes.
 */
export function srcsetFrom(signedUrl: string, options: SrcsetFromOptions = {}): string {
  const config = options.config || built;
  const [min, max] = signedRange(signedUrl);
  const widths = options.widths || config.widths || DEFAULT_WIDTHS;
  const seen: Record<string, true> = {};
  const out: string[] = [];
  for (const width of widths) {
    const url = withWidth(signedUrl, width);
    const actual = widthOf(url, config);
    if (actual === undefined || actual < min || actual > max || seen[actual]) continue;
    seen[actual] = true;
    out.push(`${url} ${actual}w`);
  }
  return out.join(', ');
}

/**
 * A `sizes` attribute from media conditions in order, each with the slot width it gives, and
 * the width when none matches: sizes([['(max-width: 700px)', '100vw']], '640px').
 */
export function sizes(rules: ReadonlyArray<readonly [media: string, width: string]>, fallback: string): string {
  return rules.map(([media, width]) => `${media.trim()} ${width.trim()}`).concat(fallback.trim()).join(', ');
}

/** What `f=json` answers. */
export interface ImageInfo {
  readonly source: { readonly width: number; readonly height: number; readonly format: string; readonly bytes: number; readonly hasAlpha: boolean; readonly frames: number };
  readonly output: { readonly width: number; readonly height: number };
  readonly dominantColor: string;
  /** ThumbHash bytes in standard base64. */
  readonly thumbhash: string;
}

/** The ThumbHash of an `f=json` answer as a PNG data URL: for Next.js `blurDataURL` or a CSS background. */
export function placeholder(info: Pick<ImageInfo, 'thumbhash'>): string {
  const binary = atob(info.thumbhash);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return thumbHashToDataURL(bytes);
}

export interface FetchInfoOptions extends ClientOptions {
  readonly base: string;
  /** The variant's other parameters: `output` is its size. */
  readonly params?: Omit<ImageParams, 'f'>;
  /** Default: the global fetch. */
  readonly fetch?: (url: string) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; text(): Promise<string> }>;
  /** Signing keys (the first signs): for an edge with `signing.enabled`. Server or build side only. */
  readonly keys?: string | readonly string[];
}

/**
 * Build-time helper: the `f=json` answer for each path, keyed by path, fetched in parallel.
 * A path the edge refuses rejects with its status and one-line reason.
 */
export async function fetchInfo(paths: readonly string[], options: FetchInfoOptions): Promise<Record<string, ImageInfo>> {
  checkBase(options.base, 'fetchInfo');
  const get = options.fetch || ((url: string) => fetch(url));
  const entries = await Promise.all(paths.map(async (path) => {
    const unsigned = imageUrl(options.base, path, { ...options.params, f: 'json' }, options);
    const url = options.keys ? signUrl(unsigned, options.keys) : unsigned;
    const response = await get(url);
    if (!response.ok) throw new Error(`${url}: ${response.status} ${(await response.text()).trim()}`);
    return [path, (await response.json()) as ImageInfo] as const;
  }));
  const out: Record<string, ImageInfo> = {};
  for (const [path, info] of entries) out[path] = info;
  return out;
}
