// Which cache behaviour a request falls under, what of its query reaches the origin and what
// the cache key is. Pure. The configured behaviours forward (and key on) only their cache
// policy's allowlisted query names; the default behaviour's managed policy forwards none.
// A policy with Gzip or Brotli enabled also keys on the normalized Accept-Encoding.
import type { AcceptEncodingKey, CacheKeyPolicy } from './distribution';

/** CloudFront path patterns: case-sensitive, `*` any run of characters, `?` exactly one. */
export function matchesPathPattern(uri: string, pattern: string): boolean {
  const source = pattern.replace(/^\/+/, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^/${source}$`).test(uri);
}

/**
 * The path CloudFront matches behaviours against: "CloudFront normalizes URI paths consistent
 * with RFC 3986 and then matches the path with the correct cache behavior. Once the cache
 * behavior is matched, CloudFront sends the raw URI path to the origin." (Developer Guide,
 * "Path pattern"). So `.` and `..` segments are removed (RFC 3986 section 5.2.4, never above the
 * root; `%2E` is an unreserved `.`, section 6.2.2.2) and runs of slashes become one; the
 * functions and the origin still get the raw path.
 */
export function normalizedPath(uri: string): string {
  const output: string[] = [];
  const segments = uri.replace(/\/{2,}/g, '/').split('/').slice(1).map((segment) => (/^(%2e|\.){1,2}$/i.test(segment) ? segment.replace(/%2e/gi, '.') : segment));
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') output.pop();
      if (last) output.push('');
      return;
    }
    output.push(segment);
  });
  return '/' + output.join('/');
}

/** The first configured pattern that matches, as CloudFront takes behaviours in order; null for the default behaviour. */
export function matchingBehavior(uri: string, patterns: readonly string[]): string | null {
  for (const pattern of patterns) if (matchesPathPattern(uri, pattern)) return pattern;
  return null;
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

/**
 * The Accept-Encoding CloudFront puts into the cache key (and sends to the origin) when the
 * policy enables Gzip and/or Brotli: only `br` and `gzip` survive, each only if its setting is
 * on, in the order `br,gzip`; any other coding (deflate, zstd, identity, *) is dropped, and a
 * header left empty is no header. Undefined: nothing in the key. (CloudFront Developer Guide,
 * "Compression support" in "Understand cache policies"; the API's EnableAcceptEncodingGzip.)
 */
export function normalizedAcceptEncoding(value: string | undefined, policy: AcceptEncodingKey): string | undefined {
  if (value === undefined || (!policy.gzip && !policy.brotli)) return undefined;
  const codings = value.split(',').map((part) => part.split(';')[0].trim().toLowerCase());
  const kept: string[] = [];
  if (policy.brotli && codings.indexOf('br') >= 0) kept.push('br');
  if (policy.gzip && codings.indexOf('gzip') >= 0) kept.push('gzip');
  return kept.length ? kept.join(',') : undefined;
}

/**
 * The cache key: path plus the forwarded pairs in allowlist order (so equivalent spellings
 * share one entry), plus the normalized Accept-Encoding where the policy keys on it.
 */
export function cacheKey(uri: string, forwarded: string, policy: CacheKeyPolicy, acceptEncoding: string | undefined): string {
  let key = uri;
  if (forwarded) {
    const allowlist = policy.queryAllowlist;
    const pairs = forwarded.split('&').map((pair, index) => ({ pair, rank: allowlist.indexOf(nameOf(pair)), index }));
    pairs.sort((a, b) => a.rank - b.rank || a.index - b.index);
    key = `${uri}?${pairs.map((p) => p.pair).join('&')}`;
  }
  const encoding = normalizedAcceptEncoding(acceptEncoding, policy.acceptEncoding);
  return encoding === undefined ? key : `${key} accept-encoding:${encoding}`;
}
