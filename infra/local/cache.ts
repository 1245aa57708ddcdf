// The edge cache: how long CloudFront keeps a response, and an in-memory store that keeps it
// that long. The TTL rules follow the CloudFront Developer Guide: "Manage how long content
// stays in the cache (expiration)" for 2xx/3xx and "Control how long CloudFront caches errors"
// plus "HTTP 4xx and 5xx status codes that CloudFront caches" for errors.
import type { CacheTtls } from './distribution';
import type { PlainHeaders } from './rules';

/** Error codes CloudFront caches whatever the headers say (for the error caching minimum TTL). */
const ALWAYS_CACHED_ERRORS = [404, 405, 410, 414, 500, 501, 502, 503, 504];
/** Error codes CloudFront caches only when the origin sends max-age or s-maxage. */
const CACHED_WITH_MAX_AGE_ERRORS = [400, 403, 412, 415];
/** Error codes for which no-store, no-cache and private do stop CloudFront caching the error. */
const ERRORS_HONOURING_NO_STORE = [404, 410, 414, 501];

export interface CacheControl {
  readonly maxAge?: number;
  readonly sMaxAge?: number;
  readonly noStore: boolean;
  readonly noCache: boolean;
  readonly private: boolean;
}

export function parseCacheControl(value: string | undefined): CacheControl {
  const out: { maxAge?: number; sMaxAge?: number; noStore: boolean; noCache: boolean; private: boolean } = { noStore: false, noCache: false, private: false };
  for (const part of (value || '').split(',')) {
    const [rawName, rawValue] = part.split('=');
    const name = rawName.trim().toLowerCase();
    const seconds = rawValue === undefined ? NaN : Number(rawValue.trim().replace(/^"|"$/g, ''));
    if (name === 'max-age' && Number.isInteger(seconds) && seconds >= 0) out.maxAge = seconds;
    else if (name === 's-maxage' && Number.isInteger(seconds) && seconds >= 0) out.sMaxAge = seconds;
    else if (name === 'no-store') out.noStore = true;
    else if (name === 'no-cache') out.noCache = true;
    else if (name === 'private') out.private = true;
  }
  return out;
}

export interface FreshnessHeaders {
  readonly cacheControl?: string;
  readonly expires?: string;
}

/** s-maxage, then max-age, then Expires: the lifetime the origin asked for, if any. */
function requestedLifetime(control: CacheControl, expires: string | undefined, nowMs: number): number | undefined {
  if (control.sMaxAge !== undefined) return control.sMaxAge;
  if (control.maxAge !== undefined) return control.maxAge;
  if (expires === undefined) return undefined;
  const at = Date.parse(expires);
  return Number.isNaN(at) ? 0 : Math.max(0, Math.floor((at - nowMs) / 1000));
}

/** Seconds CloudFront keeps this response; 0 means it is not cached. */
export function ttlSeconds(status: number, headers: FreshnessHeaders, policy: CacheTtls, errorCachingMinTtl: number, nowMs: number): number {
  const control = parseCacheControl(headers.cacheControl);
  const lifetime = requestedLifetime(control, headers.expires, nowMs);
  const refuses = control.noStore || control.noCache || control.private;

  if (status >= 400) {
    if (ALWAYS_CACHED_ERRORS.indexOf(status) >= 0) {
      if (refuses && ERRORS_HONOURING_NO_STORE.indexOf(status) >= 0) return 0;
    } else if (CACHED_WITH_MAX_AGE_ERRORS.indexOf(status) >= 0) {
      if (control.maxAge === undefined && control.sMaxAge === undefined) return 0;
    } else {
      return 0;
    }
    return Math.min(policy.maxTtl, Math.max(errorCachingMinTtl, lifetime === undefined ? 0 : lifetime));
  }

  // A 206 is a part of the object, stored like it ("CloudFront serves the requested range and
  // also caches it for future requests": "How CloudFront processes partial requests").
  if (status === 304) return 0;
  if (refuses) return policy.minTtl;
  if (lifetime === undefined) return policy.defaultTtl;
  return Math.min(policy.maxTtl, Math.max(policy.minTtl, lifetime));
}

export interface StoredResponse {
  readonly status: number;
  readonly statusDescription: string;
  /** Lower-case names; every value as sent. */
  readonly headers: PlainHeaders;
  readonly body: Buffer;
}

interface Entry {
  readonly response: StoredResponse;
  readonly storedAt: number;
  readonly expiresAt: number;
}

export interface CacheHit {
  readonly response: StoredResponse;
  /** Seconds since the response was stored: the `age` header. */
  readonly ageSeconds: number;
}

/** Keyed by the cache key; entries expire, nothing else evicts them (this is one developer's edge). */
export class EdgeCache {
  private readonly entries = new Map<string, Entry>();

  get(key: string, nowMs: number): CacheHit | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (nowMs >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return { response: entry.response, ageSeconds: Math.floor((nowMs - entry.storedAt) / 1000) };
  }

  /** Stores for `ttl` seconds; a ttl of 0 stores nothing. */
  put(key: string, response: StoredResponse, ttl: number, nowMs: number): void {
    if (ttl <= 0) return;
    this.entries.set(key, { response, storedAt: nowMs, expiresAt: nowMs + ttl * 1000 });
  }

  get size(): number {
    return this.entries.size;
  }
}
