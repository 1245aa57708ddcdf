// The path rules the normalizer enforces before anything reaches S3 (issue 10 §0): a request
// whose key S3 or the local S3 server cannot hold, or that names a `.` or `..` segment, gets a
// 400 with one line here instead of a 500 from the origin (cached, and blamed on S3). Pure.
import { quoteReceived, resizerError } from '../../shared/errors';
import { utf8Length } from '../../shared/utf8';

/** S3's object key limit: 1024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;
/**
 * Longest path segment, in UTF-8 bytes. The local S3 server (s3rver) stores each segment as a
 * file name with `._S3rver_metadata.json` (22 bytes) appended, and file systems allow 255 bytes
 * per name (ext4, APFS, NTFS; also what `aws s3 sync` to disk needs): 255 - 22 = 233. AWS
 * itself would take longer segments; the limit is the same in every environment so the local
 * edge answers like AWS.
 */
export const MAX_SEGMENT_BYTES = 233;

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
