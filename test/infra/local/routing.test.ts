// Behaviours, forwarded query and cache key: the local edge's answer to "is this the same object?".
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CacheKeyPolicy } from '../../../infra/local/distribution';
import { cacheKey, forwardedQuery, matchesPathPattern, matchingBehavior, normalizedAcceptEncoding, normalizedPath } from '../../../infra/local/routing';
import { CACHE_KEY_PARAMS } from '../../../shared/params';

const routing = suite('local edge routing');

const PATTERNS: Array<[string, string, boolean]> = [
  ['/dev/thumbnail.png', 'dev/*', true],
  ['/dev/a/b/c.jpg', 'dev/*', true],
  ['/dev', 'dev/*', false],
  ['/Dev/thumbnail.png', 'dev/*', false],
  ['/development/x.png', 'dev/*', false],
  ['/thumbnail.png', 'dev/*', false],
  ['/img/a.png', 'img/?.png', true],
  ['/img/ab.png', 'img/?.png', false],
  ['/a.b/x', 'a.b/*', true],
  ['/axb/x', 'a.b/*', false],
  ['/prod/x.png', '/prod/*', true],
];

routing('path patterns match as CloudFront matches them', () => {
  for (const [uri, pattern, expected] of PATTERNS) assert.is(matchesPathPattern(uri, pattern), expected, `${uri} ~ ${pattern}`);
});

routing('a reserved %2F is not decoded for matching (RFC 3986 section 2.2; S3 decodes it): /dev%2Fphoto.jpg is the default behaviour, as are encoded letters in the prefix', () => {
  for (const uri of ['/dev%2Fphoto.jpg', '/dev%2fphoto.jpg', '/%64ev/photo.jpg', '/d%65v/photo.jpg']) {
    assert.is(matchingBehavior(normalizedPath(uri), ['dev/*', 'prod/*']), null, uri);
  }
});

routing('the first matching configured behaviour wins; no match is the default behaviour', () => {
  assert.is(matchingBehavior('/prod/a.jpg', ['dev/*', 'prod/*']), 'prod/*');
  assert.is(matchingBehavior('/prod/a.jpg', ['prod/a*', 'prod/*']), 'prod/a*');
  assert.is(matchingBehavior('/thumbnail.png', ['dev/*', 'prod/*']), null);
});

const FORWARDED: Array<[string, string]> = [
  ['w=200&h=150&f=webp&q=90', 'w=200&h=150&f=webp&q=90'],
  ['utm_source=x&w=200&dpr=2', 'w=200'],
  ['', ''],
  ['&&w=1&&', 'w=1'],
  ['%77=5', '%77=5'],
  ['fit', 'fit'],
  ['W=200', ''],
];

routing('only allowlisted names are forwarded, in the order the viewer sent them', () => {
  for (const [raw, expected] of FORWARDED) assert.is(forwardedQuery(raw, CACHE_KEY_PARAMS), expected, raw);
  assert.is(forwardedQuery('w=200', []), '', 'the default behaviour forwards nothing');
});

const NO_ENCODING: CacheKeyPolicy = { minTtl: 0, defaultTtl: 1, maxTtl: 1, queryAllowlist: CACHE_KEY_PARAMS, acceptEncoding: { gzip: false, brotli: false } };
const BOTH_ENCODINGS: CacheKeyPolicy = { ...NO_ENCODING, acceptEncoding: { gzip: true, brotli: true } };

routing('the cache key is the path plus the forwarded pairs in allowlist order', () => {
  assert.is(cacheKey('/dev/a.png', 'q=90&f=webp&h=150&w=200', NO_ENCODING, undefined), '/dev/a.png?w=200&h=150&f=webp&q=90');
  assert.is(cacheKey('/dev/a.png', 'w=200&h=150&f=webp&q=90', NO_ENCODING, 'gzip'), '/dev/a.png?w=200&h=150&f=webp&q=90');
  assert.is(cacheKey('/dev/a.png', '', NO_ENCODING, undefined), '/dev/a.png');
  assert.is.not(cacheKey('/dev/a.png', 'w=200', NO_ENCODING, undefined), cacheKey('/dev/b.png', 'w=200', NO_ENCODING, undefined));
});

// [Accept-Encoding sent, gzip enabled, brotli enabled, normalized value in the key]
const ACCEPT_ENCODINGS: Array<[string | undefined, boolean, boolean, string | undefined]> = [
  ['br', true, true, 'br'],
  ['gzip', true, true, 'gzip'],
  ['gzip, deflate, br, zstd', true, true, 'br,gzip'],
  ['GZIP;q=0.5, BR', true, true, 'br,gzip'],
  ['deflate, zstd, identity', true, true, undefined],
  ['', true, true, undefined],
  [undefined, true, true, undefined],
  ['gzip, deflate, br', true, false, 'gzip'],
  ['gzip, deflate, br', false, true, 'br'],
  ['gzip, deflate, br', false, false, undefined],
];

routing('Accept-Encoding is normalized to br and gzip, as the policy enables them, as CloudFront does', () => {
  for (const [value, gzip, brotli, expected] of ACCEPT_ENCODINGS) {
    assert.is(normalizedAcceptEncoding(value, { gzip, brotli }), expected, `${JSON.stringify(value)} gzip=${gzip} brotli=${brotli}`);
  }
});

routing('a policy that enables gzip or brotli splits the key by normalized encoding; one that does not never does', () => {
  const keys = (policy: CacheKeyPolicy) => new Set(['br', 'gzip', 'gzip, deflate, br, zstd', undefined].map((encoding) => cacheKey('/dev/a.png', 'w=200', policy, encoding)));
  assert.is(keys(BOTH_ENCODINGS).size, 4);
  assert.is(keys(NO_ENCODING).size, 1);
});

const PATHS: Array<[string, string]> = [
  ['/dev/photo.jpg', '/dev/photo.jpg'],
  ['/dev/../thumbnail.png', '/thumbnail.png'],
  ['/x/../dev/photo.jpg', '/dev/photo.jpg'],
  ['/dev/./photo.jpg', '/dev/photo.jpg'],
  ['/../../dev/photo.jpg', '/dev/photo.jpg'],
  ['/dev/a/..', '/dev/'],
  ['/dev/.', '/dev/'],
  ['//dev//photo.jpg', '/dev/photo.jpg'],
  ['/dev/...jpg', '/dev/...jpg'],
  ['/dev/%2E%2E/x', '/x'],
  ['/dev/%2e/x', '/dev/x'],
  ['/dev/%2E%2Ex', '/dev/%2E%2Ex'],
];

routing('behaviours are chosen on the path with dot segments removed and slashes merged, as CloudFront does', () => {
  for (const [raw, expected] of PATHS) assert.is(normalizedPath(raw), expected, raw);
  assert.is(matchingBehavior(normalizedPath('/dev/../thumbnail.png'), ['dev/*']), null);
  assert.is(matchingBehavior(normalizedPath('/x/../dev/photo.jpg'), ['dev/*']), 'dev/*');
});

routing.run();
