// The path rules the normalizer enforces before anything reaches S3 (issue 10 §0): a request
// whose key S3 or the local S3 server cannot hold, or that names a `.` or `..` segment, gets a
// 400 with one line here instead of a 500 from the origin (cached, and blamed on S3). Pure.
import { quoteReceived, resizerError } from '../../shared/errors';
import { MAX_KEY_BYTES, MAX_SEGMENT_BYTES } from '../../shared/s3-key-limits';
import { utf8Length } from '../../shared/utf8';


const CONTROL = /[\x00-\x1f\x7f]/;

function bad(message: string) {
  return resizerError(400, 'bad_path', message);
}

/** Throws a 400 ResizerError when the path (as sent, percent-encoded) breaks a rule above. */
export function checkPath(uri: string): void {
  let key: string;
  try {
    key = decodeURIComponent(uri);
  } catch (_) {
    throw bad(`the path must be percent-encoded UTF-8, got ${quoteReceived(uri)}`);
  }
  // Raw or percent-encoded: decoding leaves raw ones as they are.
  if (CONTROL.test(key)) throw bad(`the path must not contain control characters (NUL included), got ${quoteReceived(uri)}`);
  // Split after decoding, so `%2e%2e` and `..%2f` are caught like `..`.
  const segments = key.split('/');
  for (let i = 0; i < segments.length; i++) {
    if (segments[i] === '.' || segments[i] === '..') throw bad(`the path must not contain "." or ".." segments, got ${quoteReceived(uri)}`);
    const bytes = utf8Length(segments[i]);
    if (bytes > MAX_SEGMENT_BYTES) throw bad(`each path segment must be at most ${MAX_SEGMENT_BYTES} bytes, got one of ${bytes}`);
  }
  const keyBytes = utf8Length(key.replace(/^\//, ''));
  if (keyBytes > MAX_KEY_BYTES) throw bad(`the key must be at most ${MAX_KEY_BYTES} bytes (S3's limit), got ${keyBytes}`);
}
