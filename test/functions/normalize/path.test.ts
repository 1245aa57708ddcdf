// The canonical path in the pure core: the fixture rows, and properties over generated keys
// spelled every way a client or an attacker can spell them.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalPath } from '../../../functions/normalize/path';
import { isResizerError } from '../../../shared/errors';
import { fixture } from '../../helpers/fixtures';

interface PathCase { uri: string; status: number; message?: string; canonical?: string }

test('fixture rows: the canonical spelling, or the 400 with its one line', () => {
  for (const row of fixture<{ cases: PathCase[] }>('normalize/paths.json').cases) {
    if (row.status === 200) {
      assert.is(canonicalPath(row.uri), row.canonical, row.uri);
      continue;
    }
    assert.throws(() => canonicalPath(row.uri), (error: unknown) => isResizerError(error) && error.status === 400 && error.message === row.message, row.uri);
  }
});

// A key segment: letters, digits, the other unreserved and reserved characters, a space,
// non-ASCII (two, three and four UTF-8 bytes), never `/` or `\`.
const CHARS = fc.constantFrom(...'aZ09-._~!$&\'()*+,;=:@% "<>[]^`{|}#?é€😀'.match(/./gu)!);
const SEGMENT = fc.array(CHARS, { minLength: 1, maxLength: 8 }).map((c) => c.join('')).filter((s) => s !== '.' && s !== '..');
const KEY = fc.array(SEGMENT, { minLength: 1, maxLength: 4 });

/** One spelling of a character: raw where HTTP allows it, or its UTF-8 bytes escaped in either case. */
function spell(char: string, choice: number): string {
  const escaped = Array.from(new TextEncoder().encode(char), (b) => '%' + b.toString(16).padStart(2, '0'));
  const raw = /^[A-Za-z0-9\-._~!$&'()*,;=:@]$/.test(char) || char.charCodeAt(0) > 127;
  if (choice === 0 && raw) return char;
  // A raw `+` is a space to S3: it is one spelling of a space.
  if (choice === 0 && char === ' ') return '+';
  return choice === 1 ? escaped.join('').toUpperCase() : escaped.join('');
}

const SPELLED = KEY.chain((segments) => fc.tuple(
  fc.constant(segments),
  fc.array(fc.array(fc.nat(2), { minLength: 8, maxLength: 8 }), { minLength: segments.length, maxLength: segments.length }),
));

test('property: every spelling of one key has one canonical path, which is its own canonical path', () => {
  fc.assert(fc.property(SPELLED, SPELLED, ([segments, choices], [, others]) => {
    const one = '/' + segments.map((s, i) => Array.from(s).map((c, j) => spell(c, choices[i][j % 8])).join('')).join('/');
    const two = '/' + segments.map((s, i) => Array.from(s).map((c, j) => spell(c, (others[i] || choices[i])[j % 8])).join('')).join('/');
    const canonical = canonicalPath(one);
    assert.is(canonicalPath(two), canonical, `${one} and ${two}`);
    assert.is(canonicalPath(canonical), canonical, 'idempotent');
    assert.ok(/^(\/([A-Za-z0-9\-._~!'()*]|%[0-9A-F]{2})+)+$/.test(canonical), canonical);
    // The key S3 reads from it (every escape decoded) is the key that was spelled.
    assert.is(decodeURIComponent(canonical), '/' + segments.join('/'));
  }), { numRuns: 1000 });
});

test('property: different keys never share a canonical path', () => {
  fc.assert(fc.property(KEY, KEY, (a, b) => {
    const spellA = '/' + a.map((s) => Array.from(s).map((c) => spell(c, 1)).join('')).join('/');
    const spellB = '/' + b.map((s) => Array.from(s).map((c) => spell(c, 2)).join('')).join('/');
    if (a.join('/') !== b.join('/')) assert.is.not(canonicalPath(spellA), canonicalPath(spellB));
  }), { numRuns: 1000 });
});

test('property: an encoded / or \\, or an empty segment, anywhere, is a 400', () => {
  fc.assert(fc.property(KEY, fc.constantFrom('%2F', '%2f', '%5C', '%5c', '\\', '/'), fc.nat(), (segments, inserted, at) => {
    const spelled = segments.map((s) => Array.from(s).map((c) => spell(c, 1)).join('')).join('/');
    const cut = at % (spelled.length + 1);
    const uri = '/' + spelled.slice(0, cut) + inserted + (inserted === '/' ? '/' : '') + spelled.slice(cut);
    // A `/` inserted at a boundary makes an empty segment; within a segment, a doubled one does.
    assert.throws(() => canonicalPath(uri), (error: unknown) => isResizerError(error) && error.status === 400, uri);
  }), { numRuns: 500 });
});

test.run();
