// The signing scheme (shared/signing.ts) and its pure HMAC (shared/hmac-sha256.ts), checked
// against node:crypto and RFC 4231.
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizeRequest } from '../../functions/normalize/core';
import { isResizerError } from '../../shared/errors';
import { hmacSha256Base64url } from '../../shared/hmac-sha256';
import { configWith } from '../helpers/config';
import {
  activeKeys, constantTimeEqual, hasSignedWidths, parseSigningKeys, signUrl, splitSignature, verifySignature, withWidth, type Hmac,
} from '../../shared/signing';

const nodeHmac: Hmac = (key, message) => createHmac('sha256', key).update(message, 'utf8').digest('base64url');
const KEY_A = 'a'.repeat(16) + '-first-key-0123456789';
const KEY_B = 'b'.repeat(16) + '-second-key-012345678';
const NOW = 1_800_000_000;
/** The signing config's normalizer, with KEY_A (functions/normalize/core.ts: the ws range is checked there). */
const SIGNED_CONFIG = configWith({ signing: { enabled: true } });

function refusal(run: () => void): { code: string; status: number; message: string } {
  try {
    run();
  } catch (error) {
    assert.ok(isResizerError(error), String(error));
    return { code: error.code, status: error.status, message: error.message };
  }
  throw new Error('expected a refusal');
}

function verifyUrl(url: string, keys: readonly string[], now = NOW): void {
  const at = url.indexOf('?');
  verifySignature(splitSignature(at < 0 ? url : url.slice(0, at), at < 0 ? undefined : url.slice(at + 1)), keys, nodeHmac, now);
}

// RFC 4231 test cases 2 (short key) and 6 (key longer than a block), as base64url.
const RFC_4231: Array<[string, string, string]> = [
  ['Jefe', 'what do ya want for nothing?', Buffer.from('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', 'hex').toString('base64url')],
  ['\xaa'.repeat(131), 'Test Using Larger Than Block-Size Key - Hash Key First', Buffer.from('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54', 'hex').toString('base64url')],
];

test('hmac-sha256 gives RFC 4231\'s results', () => {
  // The RFC's keys are bytes; these are Latin-1 characters, so compare with node over the same bytes.
  const [key, message, expected] = RFC_4231[0];
  assert.is(hmacSha256Base64url(key, message), expected);
  const long = RFC_4231[1];
  assert.is(createHmac('sha256', Buffer.from(long[0], 'latin1')).update(long[1]).digest('base64url'), long[2]);
  assert.is(hmacSha256Base64url('k'.repeat(131), long[1]), nodeHmac('k'.repeat(131), long[1]));
});

test('hmac-sha256 equals node:crypto for any UTF-8 key and message (property)', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 300 }), (key, message) => {
    assert.is(hmacSha256Base64url(key, message), createHmac('sha256', Buffer.from(key, 'utf8')).update(Buffer.from(message, 'utf8')).digest('base64url'));
  }), { numRuns: 100 });
});

test('the message: the URI as sent, then ? and the query up to &sig=, or the URI alone', () => {
  const cases: Array<[string, string | undefined, string, string, string | null]> = [
    ['/dev/a.jpg', 'w=100&f=webp&sig=S', '/dev/a.jpg?w=100&f=webp', 'w=100&f=webp', 'S'],
    ['/dev/a%20b.jpg', 'sig=S', '/dev/a%20b.jpg', '', 'S'],
    ['/dev/a.jpg', 'w=100&exp=1800000000&sig=S', '/dev/a.jpg?w=100&exp=1800000000', 'w=100&exp=1800000000', 'S'],
    ['/dev/a.jpg', 'W=%31%30&w=1&&sig=S', '/dev/a.jpg?W=%31%30&w=1&', 'W=%31%30&w=1&', 'S'],
    ['/dev/a.jpg', 'w=100', '/dev/a.jpg', 'w=100', null],
    ['/dev/a.jpg', undefined, '/dev/a.jpg', '', null],
    ['/dev/a.jpg', 'xsig=1&w=2', '/dev/a.jpg', 'xsig=1&w=2', null],
  ];
  for (const [uri, query, message, rest, signature] of cases) {
    assert.equal(splitSignature(uri, query), { message, query: rest, signature }, `${uri}?${query}`);
  }
});

test('signUrl round trips with every spelling a site may hand it', () => {
  for (const url of ['/dev/photo.jpg?w=200&h=100', '/dev/photo.jpg', '/dev/photo.jpg?', 'https://cdn.example.com/dev/%EC%84%9C.jpg?w=1&w=2&dpr', 'http://localhost:3000/dev/a.jpg?f=webp#top']) {
    const signed = signUrl(url, [KEY_A, KEY_B]);
    assert.ok(/[?&]sig=[A-Za-z0-9_-]{43}$/.test(signed), signed);
    const path = signed.replace(/^[a-z]+:\/\/[^/]+/, '');
    verifyUrl(path, [KEY_A]);
  }
  assert.is(signUrl('/dev/a.jpg?w=1', KEY_A), `/dev/a.jpg?w=1&sig=${nodeHmac(KEY_A, '/dev/a.jpg?w=1')}`);
  assert.is(signUrl('/dev/a.jpg', KEY_A), `/dev/a.jpg?sig=${nodeHmac(KEY_A, '/dev/a.jpg')}`);
  assert.is(signUrl('/dev/a.jpg?w=1', KEY_A, { expires: NOW }), `/dev/a.jpg?w=1&exp=${NOW}&sig=${nodeHmac(KEY_A, `/dev/a.jpg?w=1&exp=${NOW}`)}`);
});

test('signUrl refuses what it cannot sign faithfully', () => {
  for (const [url, keys, options] of [
    ['/dev/a b.jpg?w=1', KEY_A, undefined], ['/dev/ä.jpg', KEY_A, undefined], ['dev/a.jpg', KEY_A, undefined],
    ['/dev/a.jpg?w=1&sig=x', KEY_A, undefined], ['/dev/a.jpg?exp=1', KEY_A, { expires: NOW }], ['/dev/a.jpg', 'short', undefined],
    ['/dev/a.jpg', [], undefined], ['/dev/a.jpg', KEY_A, { expires: 1.5 }],
  ] as Array<[string, string | string[], { expires: number } | undefined]>) {
    assert.throws(() => signUrl(url, keys, options), undefined, url);
  }
});

test('each refusal is a 403 whose line says which, never which key', () => {
  const signed = signUrl('/dev/a.jpg?w=1', KEY_A, { expires: NOW + 60 });
  const cases: Array<[string, readonly string[], number, string, RegExp]> = [
    ['/dev/a.jpg?w=1', [KEY_A], NOW, 'signature_missing', /^sig is missing/],
    ['/dev/a.jpg?w=1&sig=short', [KEY_A], NOW, 'signature_malformed', /^sig must be 43 base64url characters.*got "short"$/],
    [`/dev/a.jpg?sig=${'A'.repeat(43)}&w=1`, [KEY_A], NOW, 'signature_malformed', /^sig must be the last parameter$/],
    [signUrl('/dev/a.jpg?exp=soon', KEY_A), [KEY_A], NOW, 'signature_malformed', /^exp must be a time in Unix seconds, got "soon"$/],
    [signed.replace('w=1', 'w=2'), [KEY_A], NOW, 'signature_wrong', /^sig does not match this URL$/],
    [signed, [KEY_B], NOW, 'signature_wrong', /^sig does not match this URL$/],
    [signed, [KEY_A], NOW + 60, 'signature_expired', /^the URL expired at 2027-01-15T08:01:00.000Z \(exp=1800000060\)$/],
    [signed, [], NOW, 'signature_unverifiable', /^sig cannot be checked: no signing keys are configured$/],
  ];
  for (const [url, keys, now, code, message] of cases) {
    const refused = refusal(() => verifyUrl(url, keys, now));
    assert.is(refused.status, 403, url);
    assert.is(refused.code, code, url);
    assert.ok(message.test(refused.message), `${url}: ${refused.message}`);
    assert.not.ok(refused.message.includes(KEY_A) || refused.message.includes(KEY_B), 'no key in the message');
  }
  verifyUrl(signed, [KEY_A], NOW + 59);
});

test('rotation: a signature made with any active key is valid', () => {
  const byOld = signUrl('/dev/a.jpg?w=1', KEY_A);
  const byNew = signUrl('/dev/a.jpg?w=1', [KEY_B, KEY_A]);
  assert.is.not(byOld, byNew);
  for (const url of [byOld, byNew]) {
    verifyUrl(url, [KEY_A, KEY_B]);
    verifyUrl(url, [KEY_B, KEY_A]);
  }
  assert.is(refusal(() => verifyUrl(byOld, [KEY_B])).code, 'signature_wrong', 'a retired key no longer signs');
});

test('constant-time path: every key is tried and every character read, wherever the signatures differ', () => {
  const url = '/dev/a.jpg?w=1';
  const good = nodeHmac(KEY_B, url);
  const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
  const reads: number[] = [];
  const calls: number[] = [];
  for (const signature of [good, flip(good, 0), flip(good, 42)]) {
    let read = 0;
    let called = 0;
    // A String object whose reads are counted: compare() must look at all 43 characters.
    const counted = Object.assign(new String(signature), {
      charCodeAt(index: number) { read++; return signature.charCodeAt(index); },
    }) as unknown as string;
    const counting: Hmac = (key, message) => { called++; return nodeHmac(key, message); };
    try {
      verifySignature({ message: url, query: 'w=1', signature }, [KEY_A, KEY_B, KEY_A + 'x'], counting, NOW);
    } catch (_) { /* refused: the keys were all tried all the same */ }
    read = 0;
    constantTimeEqual(good, counted);
    reads.push(read);
    calls.push(called);
  }
  assert.equal(reads, [43, 43, 43], 'characters read');
  assert.equal(calls, [3, 3, 3], 'keys tried: all of them, even after a match');
  assert.ok(constantTimeEqual(good, good));
  assert.not.ok(constantTimeEqual(good, good.slice(1)));
});

test('keys files: one key per line, each at least 32 characters; messages never echo a key', () => {
  assert.equal(parseSigningKeys(`${KEY_A}\n${KEY_B}\n`, 'keys.txt'), [KEY_A, KEY_B]);
  assert.equal(parseSigningKeys(`${KEY_A}\r\n${KEY_B}`, 'keys.txt'), [KEY_A, KEY_B]);
  for (const [text, message] of [
    [`${KEY_A}\nshort-key\n`, 'keys.txt line 2 must be a key of at least 32 characters, got 9'],
    [`${KEY_A}\n\n${KEY_B}`, 'keys.txt line 2 must be a key of at least 32 characters, got 0'],
    ['', 'keys.txt must hold at least one key (one per line), got none'],
    [Array.from({ length: 30 }, () => KEY_A).join('\n'), 'keys.txt must fit in one KeyValueStore value (at most 1024 characters with the newlines), got 1139'],
  ]) {
    assert.throws(() => parseSigningKeys(text, 'keys.txt'), (error: Error) => error.message === message, message);
  }
  assert.equal(activeKeys(`${KEY_A}\r\nshort\n\n${KEY_B}`), [KEY_A, KEY_B], 'the runtime never trusts a short line');
  assert.equal(activeKeys(undefined), []);
});

test('ws: the message leaves out every w pair; any w verifies with the one signature, any other change does not', () => {
  const signed = signUrl('/dev/a.jpg?w=640&f=webp', KEY_A, { widths: { min: 100, max: 1000 }, expires: NOW + 60 });
  assert.is(signed.replace(/&sig=.*/, ''), '/dev/a.jpg?w=640&f=webp&ws=100-1000&exp=' + (NOW + 60));
  assert.is(splitSignature('/dev/a.jpg', signed.slice(signed.indexOf('?') + 1)).message, '/dev/a.jpg?f=webp&ws=100-1000&exp=' + (NOW + 60));
  for (const width of [1, 100, 5000]) verifyUrl(withWidth(signed, width), [KEY_A]);
  assert.is(withWidth(signed, 300).replace(/&sig=.*/, ''), '/dev/a.jpg?w=300&f=webp&ws=100-1000&exp=' + (NOW + 60));
  // Two w pairs, both out of the message; the normalizer takes the first.
  verifyUrl(signed.replace('?', '?w=9&'), [KEY_A]);
  for (const changed of [signed.replace('f=webp', 'f=png'), signed.replace('ws=100-1000', 'ws=100-2000'), signed.replace('?w=640', '?%77=640'), signed.replace('?', '?h=5&')]) {
    assert.is(refusal(() => verifyUrl(changed, [KEY_A])).code, 'signature_wrong', changed);
  }
  // Without ws, w is signed as before.
  assert.is(refusal(() => verifyUrl(signUrl('/dev/a.jpg?w=640', KEY_A).replace('w=640', 'w=641'), [KEY_A])).code, 'signature_wrong');
  assert.ok(hasSignedWidths(signed));
  assert.not.ok(hasSignedWidths(signUrl('/dev/a.jpg?w=640', KEY_A)));
  assert.throws(() => withWidth('/dev/a.jpg?w=1&f=webp', 2), /needs a URL signed with widths/);
});

/** What the normalizer makes of a signed URL: its canonical query, or the refusal's status and line. */
async function normalized(url: string): Promise<string> {
  const at = url.indexOf('?');
  try {
    const out = await normalizeRequest({ uri: url.slice(0, at), rawQuery: url.slice(at + 1), accept: '' }, SIGNED_CONFIG, { hmac: nodeHmac, keys: () => [KEY_A], now: () => NOW });
    return out.query!;
  } catch (error) {
    assert.ok(isResizerError(error), String(error));
    return `${error.status} ${error.message}`;
  }
}

test('ws: checked after the signature (the range is the signer\'s own); the width must be inside it', async () => {
  const signed = signUrl('/dev/a.jpg?f=webp', KEY_A, { widths: { min: 100, max: 1000 } });
  assert.is(await normalized(withWidth(signed, 100)), 'w=100&f=webp');
  assert.is(await normalized(withWidth(signed, 1000)), 'w=1000&f=webp');
  assert.is(await normalized(withWidth(signed, 99)), '403 w must be within ws=100-1000 (min-max widths, after dpr), got 99');
  assert.is(await normalized(withWidth(signed, 1001)), '403 w must be within ws=100-1000 (min-max widths, after dpr), got 1001');
  assert.is(await normalized(signed), '403 w must be within ws=100-1000 (min-max widths, after dpr), got none');
  // After dpr: w=400&dpr=3 is 1200.
  const dense = signUrl('/dev/a.jpg?f=webp&dpr=3', KEY_A, { widths: { min: 100, max: 1000 } });
  assert.is(await normalized(withWidth(dense, 300)), 'w=900&f=webp');
  assert.is(await normalized(withWidth(dense, 400)), '403 w must be within ws=100-1000 (min-max widths, after dpr), got 1200');
  // Without ws, w is signed as before and nothing else is checked.
  assert.is(await normalized(signUrl('/dev/a.jpg?w=99999&f=webp', KEY_A)), 'w=4096&f=webp');
  // A range that is not min-max in digits admits no width (the signer's own mistake), and the
  // refusal quotes the range as sent.
  for (const bad of ['1000-100', '100', 'a-b', '', '100-x', '100-200-300', '+100-200']) {
    assert.is(await normalized(signUrl(`/dev/a.jpg?w=500&ws=${bad}`, KEY_A)), `403 w must be within ws=${bad} (min-max widths, after dpr), got 500`, bad);
  }
  assert.throws(() => signUrl('/dev/a.jpg', KEY_A, { widths: { min: 10, max: 5 } }), /min at most max/);
  assert.throws(() => signUrl('/dev/a.jpg?ws=1-2', KEY_A, { widths: { min: 1, max: 5 } }), /already carries ws/);
});

test.run();
