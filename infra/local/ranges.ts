// Range GETs as CloudFront serves them (Developer Guide, "How CloudFront processes partial
// requests for an object (range GETs)"): on a miss the viewer's Range goes to the origin, and
// whatever part comes back is served and cached; a whole object in the cache answers any Range
// itself. CloudFront "generally follows the RFC specification for the Range header", except that
// ranges out of ascending order, overlapping, or with an invalid specification get the whole
// object with 200 instead of 206. Pure.
import { randomBytes } from 'node:crypto';
import type { PlainHeaders } from './rules';

/** One satisfiable range: first and last byte, inclusive. */
export interface ByteRange {
  readonly first: number;
  readonly last: number;
}

/**
 * What a Range header asks of an object of `length` bytes: `whole` (no Range, another unit, bad
 * syntax, or one of CloudFront's requirements broken), `unsatisfiable` (416), or the ranges.
 */
export type RangeRequest = { readonly kind: 'whole' } | { readonly kind: 'unsatisfiable' } | { readonly kind: 'ranges'; readonly ranges: readonly ByteRange[] };

const WHOLE: RangeRequest = { kind: 'whole' };
const SPEC = /^(\d*)-(\d*)$/;

export function parseRange(value: string | undefined, length: number): RangeRequest {
  if (value === undefined) return WHOLE;
  const match = /^\s*bytes\s*=(.*)$/i.exec(value);
  if (!match) return WHOLE;
  const ranges: ByteRange[] = [];
  let unsatisfiable = 0;
  const specs = match[1].split(',').map((spec) => spec.trim());
  for (const spec of specs) {
    const parts = SPEC.exec(spec);
    if (!parts || (parts[1] === '' && parts[2] === '')) return WHOLE;
    if (parts[1] === '') {
      // A suffix: the last n bytes.
      const n = Number(parts[2]);
      if (n === 0 || length === 0) { unsatisfiable++; continue; }
      ranges.push({ first: Math.max(0, length - n), last: length - 1 });
      continue;
    }
    const first = Number(parts[1]);
    const last = parts[2] === '' ? length - 1 : Number(parts[2]);
    if (parts[2] !== '' && last < first) return WHOLE;
    if (first >= length) { unsatisfiable++; continue; }
    ranges.push({ first, last: Math.min(last, length - 1) });
  }
  if (ranges.length === 0) return { kind: 'unsatisfiable' };
  // CloudFront's requirements: every specification valid, ascending, not overlapping.
  if (unsatisfiable > 0) return WHOLE;
  for (let i = 1; i < ranges.length; i++) if (ranges[i].first <= ranges[i - 1].last) return WHOLE;
  return { kind: 'ranges', ranges };
}

export interface RangedAnswer {
  readonly status: number;
  readonly statusDescription: string;
  readonly headers: PlainHeaders;
  readonly body: Buffer;
}

/**
 * A whole 200 answer cut to what `rangeHeader` asks: itself, a 206 with one part, a 206
 * multipart/byteranges, or a 416 naming the length. `ifRange` (RFC 9110 13.1.5): the Range counts
 * only when it matches the answer's strong ETag or is its Last-Modified date.
 */
export function servedRange(answer: RangedAnswer, rangeHeader: string | undefined, ifRange: string | undefined): RangedAnswer {
  if (answer.status !== 200 || rangeHeader === undefined) return answer;
  if (ifRange !== undefined) {
    const etag = answer.headers.etag ? answer.headers.etag[0] : undefined;
    const lastModified = answer.headers['last-modified'] ? answer.headers['last-modified'][0] : undefined;
    const matches = ifRange.startsWith('"') ? etag === ifRange : lastModified === ifRange;
    if (!matches) return answer;
  }
  const length = answer.body.length;
  const request = parseRange(rangeHeader, length);
  if (request.kind === 'whole') return answer;
  const headers: PlainHeaders = { ...answer.headers };
  delete headers['content-length'];
  if (request.kind === 'unsatisfiable') {
    return { status: 416, statusDescription: 'Range Not Satisfiable', headers: { 'content-range': [`bytes */${length}`], 'content-type': ['text/plain; charset=utf-8'] }, body: Buffer.alloc(0) };
  }
  const { ranges } = request;
  if (ranges.length === 1) {
    const [{ first, last }] = ranges;
    headers['content-range'] = [`bytes ${first}-${last}/${length}`];
    return { status: 206, statusDescription: 'Partial Content', headers, body: answer.body.subarray(first, last + 1) };
  }
  const boundary = randomBytes(12).toString('hex');
  const type = answer.headers['content-type'] ? answer.headers['content-type'][0] : 'application/octet-stream';
  const chunks: Buffer[] = [];
  for (const { first, last } of ranges) {
    chunks.push(Buffer.from(`\r\n--${boundary}\r\nContent-Type: ${type}\r\nContent-Range: bytes ${first}-${last}/${length}\r\n\r\n`, 'latin1'));
    chunks.push(answer.body.subarray(first, last + 1));
  }
  chunks.push(Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1'));
  headers['content-type'] = [`multipart/byteranges; boundary=${boundary}`];
  return { status: 206, statusDescription: 'Partial Content', headers, body: Buffer.concat(chunks) };
}
