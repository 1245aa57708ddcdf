// Which cache behaviour a request falls under, what reaches the origin and what the cache key
// is. Pure. The resizing behaviours forward (and key on) only the query names of
// CACHE_KEY_PARAMS, exactly like the CDK cache policy's allowlist; the default behaviour, like
// CloudFront's managed CachingOptimized policy, forwards no query string at all.
import { CACHE_KEY_PARAMS } from '../../shared/params';

export interface Behavior {
  /** The config's path pattern, or null for the default behaviour. */
  readonly pattern: string | null;
  /** Whether the normalizer and the resizer run (the config's behaviours). */
  readonly resizes: boolean;
  /** Query names forwarded to the origin and kept in the cache key. */
  readonly queryAllowlist: readonly string[];
}

export const DEFAULT_BEHAVIOR: Behavior = { pattern: null, resizes: false, queryAllowlist: [] };

/** CloudFront path patterns: case-sensitive, `*` any run of characters, `?` exactly one. */
export function matchesPathPattern(uri: string, pattern: string): boolean {
  const source = pattern.replace(/^\/+/, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^/${source}$`).test(uri);
}

/** The first configured pattern that matches, as CloudFront takes behaviours in order. */
export function selectBehavior(uri: string, patterns: readonly string[]): Behavior {
  for (const pattern of patterns) {
    if (matchesPathPattern(uri, pattern)) return { pattern, resizes: true, queryAllowlist: CACHE_KEY_PARAMS };
  }
  return DEFAULT_BEHAVIOR;
}

function nameOf(pair: string): string {
  const eq = pair.indexOf('=');
  const raw = eq < 0 ? pair : pair.slice(0, eq);
  try {
    return decodeURIComponent(raw);
  } catch (_) {
    return raw;
  }
}

/** The pairs of a raw query whose names are allowlisted, in the order the viewer sent them. */
export function forwardedQuery(rawQuery: string, allowlist: readonly string[]): string {
  if (!rawQuery || allowlist.length === 0) return '';
  return rawQuery.split('&').filter((pair) => pair !== '' && allowlist.indexOf(nameOf(pair)) >= 0).join('&');
}

/** Path plus the forwarded pairs in allowlist order, so equivalent spellings share one entry. */
export function cacheKey(uri: string, forwarded: string, allowlist: readonly string[]): string {
  if (!forwarded) return uri;
  const pairs = forwarded.split('&').map((pair, index) => ({ pair, rank: allowlist.indexOf(nameOf(pair)), index }));
  pairs.sort((a, b) => a.rank - b.rank || a.index - b.index);
  return `${uri}?${pairs.map((p) => p.pair).join('&')}`;
}
