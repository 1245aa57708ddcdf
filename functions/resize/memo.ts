// Short-lived memory of answers that CloudFront will not cache for us, kept for the life of
// the Lambda container. CloudFront never caches a 422, so without this every repeat of a URL
// whose original is broken would fetch and decode it again; and a fallback image shown for
// many broken or missing originals would be resized again for each.

export interface Memo<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
}

/** A map that forgets entries after `ttlMs` and keeps at most `maxEntries` (oldest dropped). */
export function createMemo<V>(maxEntries: number, ttlMs: number, now: () => number = Date.now): Memo<V> {
  const entries = new Map<string, { value: V; until: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.until <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    set(key, value) {
      entries.delete(key);
      entries.set(key, { value, until: now() + ttlMs });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
  };
}

/**
 * How long an overrun is remembered: ten minutes. Long, because each repeat would cost a whole
 * deadline of billed time for an answer that CloudFront is told not to cache; not for ever,
 * because a container that was only slow that once (another process on the host) gets the
 * variant made on a later try.
 */
export const OVERRUN_MEMORY_MS = 10 * 60 * 1000;

/** How long a refusal or a rendered fallback is remembered: the `max-age` of errorCacheControl, else 60 s. */
export function memoTtlMs(errorCacheControl: string): number {
  const match = /(?:^|[,\s])max-age=(\d+)/.exec(errorCacheControl);
  return (match ? Number(match[1]) : 60) * 1000;
}
