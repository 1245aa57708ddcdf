// The Range rules of the local edge's cache (ranges.ts): RFC 9110 byte ranges with CloudFront's
// exceptions ("How CloudFront processes partial requests for an object (range GETs)": ranges out
// of ascending order, overlapping or invalid get the whole object with 200). Pure.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRange, servedRange, type RangeRequest } from '../../../infra/local/ranges';

const ROWS: Array<[string, string | undefined, RangeRequest]> = [
  ['no Range: whole', undefined, { kind: 'whole' }],
  ['one range', 'bytes=0-9', { kind: 'ranges', ranges: [{ first: 0, last: 9 }] }],
  ['open end', 'bytes=90-', { kind: 'ranges', ranges: [{ first: 90, last: 99 }] }],
  ['suffix', 'bytes=-5', { kind: 'ranges', ranges: [{ first: 95, last: 99 }] }],
  ['suffix longer than the object', 'bytes=-500', { kind: 'ranges', ranges: [{ first: 0, last: 99 }] }],
  ['last beyond the end is cut to it', 'bytes=50-500', { kind: 'ranges', ranges: [{ first: 50, last: 99 }] }],
  ['ascending, apart', 'bytes=0-9, 20-29', { kind: 'ranges', ranges: [{ first: 0, last: 9 }, { first: 20, last: 29 }] }],
  ['descending: whole (CloudFront)', 'bytes=20-29,0-9', { kind: 'whole' }],
  ['overlapping: whole (CloudFront)', 'bytes=0-20,10-29', { kind: 'whole' }],
  ['last before first: whole', 'bytes=9-0', { kind: 'whole' }],
  ['negative: whole', 'bytes=--5', { kind: 'whole' }],
  ['another unit: whole', 'items=0-9', { kind: 'whole' }],
  ['garbage: whole', 'bytes=a-b', { kind: 'whole' }],
  ['start at the end: 416', 'bytes=100-', { kind: 'unsatisfiable' }],
  ['empty suffix: 416', 'bytes=-0', { kind: 'unsatisfiable' }],
  ['one satisfiable among unsatisfiable: whole (every specification must be valid)', 'bytes=0-9,200-300', { kind: 'whole' }],
];

for (const [name, header, expected] of ROWS) {
  test(`parseRange: ${name}`, () => {
    assert.equal(parseRange(header, 100), expected);
  });
}

const BODY = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
const ANSWER = { status: 200, statusDescription: 'OK', headers: { 'content-type': ['image/webp'], etag: ['"abc"'], 'last-modified': ['Tue, 24 Nov 2026 12:00:00 GMT'] }, body: BODY };

test('servedRange: one range is a 206 with content-range and exactly those bytes', () => {
  const out = servedRange(ANSWER, 'bytes=10-19', undefined);
  assert.is(out.status, 206);
  assert.equal(out.headers['content-range'], ['bytes 10-19/100']);
  assert.ok(out.body.equals(BODY.subarray(10, 20)));
});

test('servedRange: two ranges are one multipart/byteranges body naming each part', () => {
  const out = servedRange(ANSWER, 'bytes=0-1,98-99', undefined);
  assert.is(out.status, 206);
  const type = out.headers['content-type'][0];
  const boundary = /^multipart\/byteranges; boundary=(\w+)$/.exec(type)![1];
  const text = out.body.toString('latin1');
  assert.is(text.split(`--${boundary}`).length, 4);
  assert.match(text, /Content-Range: bytes 0-1\/100\r\n\r\n\x00\x01\r\n/);
  assert.match(text, /Content-Range: bytes 98-99\/100\r\n\r\nbc\r\n/);
});

test('servedRange: unsatisfiable is a 416 naming the length', () => {
  const out = servedRange(ANSWER, 'bytes=100-', undefined);
  assert.is(out.status, 416);
  assert.equal(out.headers['content-range'], ['bytes */100']);
});

test('servedRange: If-Range with another ETag or date gets the whole answer; the same one gets the part', () => {
  assert.is(servedRange(ANSWER, 'bytes=0-9', '"other"').status, 200);
  assert.is(servedRange(ANSWER, 'bytes=0-9', 'Mon, 23 Nov 2026 12:00:00 GMT').status, 200);
  assert.is(servedRange(ANSWER, 'bytes=0-9', '"abc"').status, 206);
  assert.is(servedRange(ANSWER, 'bytes=0-9', 'Tue, 24 Nov 2026 12:00:00 GMT').status, 206);
});

test('servedRange: only a whole 200 is cut (an error or a stored part is served as it is)', () => {
  const error = { ...ANSWER, status: 404 };
  assert.is(servedRange(error, 'bytes=0-9', undefined), error);
});

test.run();
