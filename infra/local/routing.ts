// Which cache behaviour a request falls under, what of its query reaches the origin and what
// the cache key is. Pure. The configured behaviours forward (and key on) only their cache
// policy's allowlisted query names; the default behaviour's managed policy forwards none.

/** CloudFront path patterns: case-sensitive, `*` any run of characters, `?` exactly one. */
export function matchesPathPattern(uri: string, pattern: string): boolean {
  const source = pattern.replace(/^\/+/, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^/${source}$`).test(uri);
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

/** Path plus the forwarded pairs in allowlist order, so equivalent spellings share one entry. */
export function cacheKey(uri: string, forwarded: string, allowlist: readonly string[]): string {
  if (!forwarded) return uri;
  const pairs = forwarded.split('&').map((pair, index) => ({ pair, rank: allowlist.indexOf(nameOf(pair)), index }));
  pairs.sort((a, b) => a.rank - b.rank || a.index - b.index);
  return `${uri}?${pairs.map((p) => p.pair).join('&')}`;
}
