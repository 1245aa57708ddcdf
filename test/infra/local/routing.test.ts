// Behaviours, forwarded query and cache key: the local edge's answer to "is this the same object?".
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cacheKey, forwardedQuery, matchesPathPattern, matchingBehavior } from '../../../infra/local/routing';
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

routing('the cache key is the path plus the forwarded pairs in allowlist order', () => {
  assert.is(cacheKey('/dev/a.png', 'q=90&f=webp&h=150&w=200', CACHE_KEY_PARAMS), '/dev/a.png?w=200&h=150&f=webp&q=90');
  assert.is(cacheKey('/dev/a.png', 'w=200&h=150&f=webp&q=90', CACHE_KEY_PARAMS), '/dev/a.png?w=200&h=150&f=webp&q=90');
  assert.is(cacheKey('/dev/a.png', '', CACHE_KEY_PARAMS), '/dev/a.png');
  assert.is.not(cacheKey('/dev/a.png', 'w=200', CACHE_KEY_PARAMS), cacheKey('/dev/b.png', 'w=200', CACHE_KEY_PARAMS));
});

routing.run();
