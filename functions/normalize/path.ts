// The path rules and the one canonical spelling of a path, before anything else reads it.
//
// CloudFront matches behaviours on its own normalization of the path ("CloudFront normalizes URI
// paths consistent with RFC 3986 and then matches the path with the correct cache behavior. Once
// the cache behavior is matched, CloudFront sends the raw URI path to the origin": Developer
// Guide, "Path pattern"), and both function kinds are given that raw path as `uri` ("The
// relative path of the requested object"; changing it "changes the object that the viewer is
// requesting" but not the behaviour: "CloudFront Functions event structure" and "Lambda@Edge
// event structure"). S3 decodes every escape of the path, and a raw `+` as a space. So two
// spellings of one S3 key are two cache keys unless the function rewrites `uri`, which is what
// it does: the key is decoded and every segment re-encoded by encodeURIComponent, as the client
// package spells keys (A-Z a-z 0-9 - . _ ~ ! ' ( ) * as they are, every other UTF-8 byte as
// %XX in upper-case hex), so the client's URLs are canonical as they are. A path that could name another key than the one its spelling suggests, or
// none, is a 400 with one line: an encoded `/` or `\` (S3 decodes `%2F` into a separator that
// CloudFront did not match on), a raw `\`, an empty segment (`//`: CloudFront merges it for
// matching, S3 does not), a `.` or `..` segment, control characters, and keys S3 (or the local
// S3 server) cannot hold. Pure: the local edge, the normalizers and the tests call it.
import { quoteReceived, resizerError } from '../../shared/errors';
import { MAX_KEY_BYTES, MAX_SEGMENT_BYTES } from '../../shared/s3-key-limits';

export function bad(message: string, uri: string) {
  return resizerError(400, 'bad_path', `the path must ${message}, got ${quoteReceived(uri)}`);
}

/**
 * The canonical spelling of a request path (`uri` as sent, still percent-encoded), or a thrown
 * 400 ResizerError naming the rule it breaks. `/` alone is the root and stays as it is. The
 * result is its own canonical spelling.
 */
export function canonicalPath(uri: string): string {
  // Checked before decoding, where an encoded separator still differs from a real one.
  if (/%2f|%5c|\\/i.test(uri)) throw bad('not contain %2F, %5C or \\', uri);
  let key: string;
  try {
    key = decodeURIComponent(uri.replace(/\+/g, '%20'));
  } catch (_) {
    throw bad('be percent-encoded UTF-8', uri);
  }
  // Raw or percent-encoded: decoding leaves raw ones as they are.
  if (/[\x00-\x1f\x7f]/.test(key)) throw bad('not contain control characters (NUL included)', uri);
  const segments = key.split('/');
  // The key's UTF-8 bytes without the leading `/`, which every `uri` has ("must begin with a forward slash").
  let keyBytes = -2;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    // The first is what precedes the leading `/`; `/` alone is the root.
    if (segment === '' && i && uri !== '/') throw bad('not contain // or end in /', uri);
    if (segment === '.' || segment === '..') throw bad('not contain "." or ".." segments', uri);
    const encoded = (segments[i] = encodeURIComponent(segment));
    // encodeURIComponent writes each UTF-8 byte as one character or one %XX.
    const bytes = encoded.replace(/%../g, '%').length;
    if (bytes > MAX_SEGMENT_BYTES) throw resizerError(400, 'bad_path', `each path segment must be at most ${MAX_SEGMENT_BYTES} bytes, got one of ${bytes}`);
    keyBytes += bytes + 1;
  }
  if (keyBytes > MAX_KEY_BYTES) throw resizerError(400, 'bad_path', `the key must be at most ${MAX_KEY_BYTES} bytes (S3's limit), got ${keyBytes}`);
  return segments.join('/');
}
