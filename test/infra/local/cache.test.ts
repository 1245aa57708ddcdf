// The edge cache: CloudFront's TTL rules for successes and errors, and the store itself.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EdgeCache, parseCacheControl, ttlSeconds } from '../../../infra/local/cache';

const cache = suite('local edge cache');
const NOW = Date.parse('2026-01-01T00:00:00Z');
const ERROR_MIN_TTL = 10;
/** The variant cache policy's TTLs: 0 s, a day, a year. */
const POLICY = { minTtl: 0, defaultTtl: 86400, maxTtl: 31536000 };

cache('cache-control directives are parsed case-insensitively, bad numbers ignored', () => {
  assert.equal(parseCacheControl('public, max-age=60'), { maxAge: 60, noStore: false, noCache: false, private: false });
  assert.equal(parseCacheControl('S-MAXAGE=5, No-Store'), { sMaxAge: 5, noStore: true, noCache: false, private: false });
  assert.equal(parseCacheControl('max-age=-1, private, no-cache'), { noStore: false, noCache: true, private: true });
  assert.equal(parseCacheControl('max-age="30"'), { maxAge: 30, noStore: false, noCache: false, private: false });
  assert.equal(parseCacheControl(undefined), { noStore: false, noCache: false, private: false });
});

const TTLS: Array<[string, number, { cacheControl?: string; expires?: string }, number]> = [
  ['200 without headers: the default TTL', 200, {}, 86400],
  ['200 max-age', 200, { cacheControl: 'public, max-age=60' }, 60],
  ['200 s-maxage wins over max-age', 200, { cacheControl: 'max-age=60, s-maxage=5' }, 5],
  ['200 max-age above the maximum TTL is capped', 200, { cacheControl: 'max-age=999999999' }, 31536000],
  ['200 the resizer\'s immutable year', 200, { cacheControl: 'public, max-age=31536000, immutable' }, 31536000],
  ['200 no-store with a minimum TTL of 0: not cached', 200, { cacheControl: 'no-store' }, 0],
  ['200 no-cache: not cached', 200, { cacheControl: 'no-cache' }, 0],
  ['200 private: not cached', 200, { cacheControl: 'private, max-age=60' }, 0],
  ['200 Expires in two minutes', 200, { expires: new Date(NOW + 120000).toUTCString() }, 120],
  ['200 Expires in the past', 200, { expires: new Date(NOW - 1000).toUTCString() }, 0],
  ['206 (a part) is stored like the object: "CloudFront serves the requested range and also caches it"', 206, {}, 86400],
  ['404 without headers: the error caching minimum TTL', 404, {}, ERROR_MIN_TTL],
  ['404 with a longer max-age keeps it', 404, { cacheControl: 'max-age=60' }, 60],
  ['404 with a shorter max-age: the minimum still applies', 404, { cacheControl: 'max-age=1' }, ERROR_MIN_TTL],
  ['404 no-store: not cached', 404, { cacheControl: 'no-store' }, 0],
  ['503 no-store is ignored for 5xx other than 501', 503, { cacheControl: 'no-store' }, ERROR_MIN_TTL],
  ['501 no-store: not cached', 501, { cacheControl: 'no-store' }, 0],
  ['403 without max-age: not cached', 403, {}, 0],
  ['403 with max-age: cached', 403, { cacheControl: 'max-age=30' }, 30],
  ['400 with s-maxage: cached', 400, { cacheControl: 's-maxage=20' }, 20],
  ['422 is not among the codes CloudFront caches', 422, { cacheControl: 'public, max-age=60' }, 0],
];

cache('TTLs follow CloudFront\'s rules', () => {
  for (const [name, status, headers, expected] of TTLS) {
    assert.is(ttlSeconds(status, headers, POLICY, ERROR_MIN_TTL, NOW), expected, name);
  }
});

cache('a minimum TTL above 0 keeps even no-store responses that long', () => {
  assert.is(ttlSeconds(200, { cacheControl: 'no-store' }, { minTtl: 30, defaultTtl: 60, maxTtl: 120 }, ERROR_MIN_TTL, NOW), 30);
  assert.is(ttlSeconds(200, { cacheControl: 'max-age=5' }, { minTtl: 30, defaultTtl: 60, maxTtl: 120 }, ERROR_MIN_TTL, NOW), 30);
});

cache('entries are served with their age until they expire', () => {
  const store = new EdgeCache();
  const response = { status: 200, statusDescription: 'OK', headers: { etag: ['"a"'] }, body: Buffer.from('x') };
  store.put('/a', response, 10, NOW);
  store.put('/never', response, 0, NOW);
  assert.is(store.get('/never', NOW), undefined);
  assert.equal(store.get('/a', NOW + 2500), { response, ageSeconds: 2 });
  assert.is(store.get('/a', NOW + 10000), undefined);
  assert.is(store.size, 0);
});

cache.run();
