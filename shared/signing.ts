// Signed URLs: one scheme, so sites can sign in any language.
//   message = the request URI exactly as sent (percent-encoding untouched), then `?` and the
//             query exactly as sent up to but not including `&sig=`; the URI alone when `sig`
//             is the only parameter
//   sig     = base64url without padding of HMAC-SHA256(key, message), the last parameter
//   exp     = optional Unix seconds, signed like any other parameter
//   ws      = optional `min-max`: the signature leaves `w` open within that range (inclusive,
//             output pixels after `dpr` and `widths` snapping), so one signature serves every
//             width of a srcset. With `ws` in the query, every `w` pair is left out of the
//             message; the normalizer checks the width it ends up with against the range (403
//             outside). Any other spelling of `w` (`%77`) stays in the message and breaks it.
// Any of the active keys may have made the signature (rotation). Pure, no Node APIs: the
// normalizers hand in their runtime's HMAC; signUrl carries its own (hmac-sha256.ts).
import { quoteReceived, resizerError, type SignatureFailure } from './errors';
import { hmacSha256Base64url } from './hmac-sha256';

export const SIGNATURE_PARAM = 'sig';
export const EXPIRY_PARAM = 'exp';
export const WIDTH_RANGE_PARAM = 'ws';
/** Shortest key accepted: 32 characters, used as their UTF-8 bytes (256 bits if random ASCII). */
export const MIN_KEY_LENGTH = 32;
/** The CloudFront KeyValueStore key whose value holds the active keys, one per line. */
export const KEY_VALUE_STORE_KEY = 'signing-keys';
/** A KeyValueStore value holds at most 1024 characters ("File format for key-value pairs"). */
export const KEY_VALUE_STORE_VALUE_MAX_CHARS = 1024;
/** base64url of 32 bytes without padding. */
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;
const UNIX_SECONDS = /^\d{1,12}$/;

/** HMAC-SHA256 of message under key (both as UTF-8), as base64url without padding. */
export type Hmac = (key: string, message: string) => string;

export interface SignedRequest {
  /** What the signature covers. */
  readonly message: string;
  /** The query as sent, without `sig` (what the normalizer parses). */
  readonly query: string;
  /** The raw `sig` value (everything after `sig=`), or null when there is none. */
  readonly signature: string | null;
}

/**
 * The first `ws` pair (WIDTH_RANGE_PARAM, spelled exactly), whatever its value: the value in
 * group 2, and `min` and `max` in groups 3 and 4 when it is `min-max` in digits, neither
 * otherwise (the normalizer then admits no width, NaN compares false, and its refusal quotes
 * the value).
 */
export const WIDTH_RANGE = /(^|&)ws=((\d+)-(\d+)(?=&|$)|[^&]*)/;
/** Every pair named exactly `w`, in a query with `&` put before it. */
const WIDTH_PAIRS = /&w(=[^&]*)?(?=&|$)/g;

/** Splits a request into the signed message, the query before `sig`, and `sig` itself. */
export function splitSignature(uri: string, rawQuery: string | undefined): SignedRequest {
  const query = rawQuery || '';
  // Where `sig=` starts a pair: 0 for the first pair, else one past its `&`.
  const at = ('&' + query).indexOf('&' + SIGNATURE_PARAM + '=');
  const before = at < 0 ? query : query.slice(0, at && at - 1);
  // The signature covers all of the query before `sig`, or all but its `w` pairs when it has `ws`.
  const signed = WIDTH_RANGE.test(before) ? ('&' + before).replace(WIDTH_PAIRS, '').slice(1) : before;
  return { message: at > 0 ? uri + '?' + signed : uri, query: before, signature: at < 0 ? null : query.slice(at + SIGNATURE_PARAM.length + 1) };
}

/**
 * Compares two strings in time that depends only on their lengths (which are not secret: a
 * signature always has 43 characters), never on where they first differ.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** The first pair named exactly `exp` (EXPIRY_PARAM, not decoded, as signed): `exp=v` or a bare `exp`. */
const EXPIRY = /(?:^|&)exp(?:=([^&]*))?(?=&|$)/;

/** The raw value of the first `exp` ('' for a bare `exp`), or undefined without one. */
function expiry(query: string): string | undefined {
  const match = EXPIRY.exec(query);
  return match ? match[1] || '' : undefined;
}


/**
 * Throws a 403 ResizerError naming what is wrong (missing, malformed, wrong, expired), never
 * which key; returns when a signature made with any of `keys` covers the request. Every key is
 * tried and compared in constant time, so the time taken says nothing about which key or how
 * much of the signature matched.
 */
export function verifySignature(request: SignedRequest, keys: readonly string[], hmac: Hmac, nowSeconds: number): void {
  const signature = request.signature;
  if (signature === null) throw refusal('missing', 'sig is missing: this URL must be signed');
  if (signature.indexOf('&') >= 0) throw refusal('malformed', 'sig must be the last parameter');
  if (!SIGNATURE.test(signature)) throw refusal('malformed', `sig must be 43 base64url characters (HMAC-SHA256 without padding), got ${quoteReceived(signature)}`);
  const exp = expiry(request.query);
  if (exp !== undefined && !UNIX_SECONDS.test(exp)) throw refusal('malformed', `exp must be a time in Unix seconds, got ${quoteReceived(exp)}`);
  if (keys.length === 0) throw refusal('unverifiable', 'sig cannot be checked: no signing keys are configured');
  let matches = 0;
  for (let i = 0; i < keys.length; i++) matches |= constantTimeEqual(hmac(keys[i], request.message), signature) ? 1 : 0;
  if (!matches) throw refusal('wrong', 'sig does not match this URL');
  if (exp !== undefined && nowSeconds >= Number(exp)) throw refusal('expired', `the URL expired at ${new Date(Number(exp) * 1000).toISOString()} (exp=${exp})`);
}

/** A 403 with the code `signature_<what>`: the one prefix is written once in the CloudFront Function's 10 KB. */
export function refusal(what: SignatureFailure, message: string) {
  return resizerError(403, `signature_${what}`, message);
}

/** Lines of a keys text, `\n` or `\r\n` separated. */
function keyLines(text: string): string[] {
  return text.split('\n').map((line) => line.replace(/\r$/, ''));
}

/** The active keys in a KeyValueStore value or keys file: one per line; shorter lines never count. */
export function activeKeys(text: string | null | undefined): string[] {
  return text ? keyLines(text).filter((key) => key.length >= MIN_KEY_LENGTH) : [];
}

/** Validates a keys file's text (one key per line, each at least 32 characters); the message never echoes a key. */
export function parseSigningKeys(text: string, source: string): string[] {
  const lines = keyLines(text);
  const keys: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const key = lines[i];
    if (key === '' && i === lines.length - 1) continue;
    if (key.length < MIN_KEY_LENGTH) {
      throw resizerError(500, 'bad_config', `${source} line ${i + 1} must be a key of at least ${MIN_KEY_LENGTH} characters, got ${key.length}`);
    }
    keys.push(key);
  }
  if (keys.length === 0) throw resizerError(500, 'bad_config', `${source} must hold at least one key (one per line), got none`);
  if (keys.join('\n').length > KEY_VALUE_STORE_VALUE_MAX_CHARS) {
    throw resizerError(500, 'bad_config', `${source} must fit in one KeyValueStore value (at most ${KEY_VALUE_STORE_VALUE_MAX_CHARS} characters with the newlines), got ${keys.join('\n').length}`);
  }
  return keys;
}

/** Characters a browser sends as they are; anything else it would percent-encode, changing the message. */
const AS_SENT = /^[A-Za-z0-9\-._~:/?\[\]@!$&'()*+,;=%]*$/;

export interface SignOptions {
  /** Unix seconds after which the URL is refused: added as `exp` before signing. */
  readonly expires?: number;
  /**
   * Leave `w` open from `min` to `max` (inclusive, output pixels after `dpr` and `widths`
   * snapping): adds `ws=min-max` and signs the URL without its `w`, so any `w` in the range
   * (srcsetFrom, the Next.js loader, or withWidth) is served with this one signature.
   */
  readonly widths?: { readonly min: number; readonly max: number };
}

/**
 * Signs a URL (absolute, or a path starting with `/`) with the first of `keys`. The URL must
 * already be percent-encoded exactly as it will be requested. Server or build side only: a key
 * shipped to a browser lets anyone sign anything.
 */
export function signUrl(url: string, keys: string | readonly string[], options?: SignOptions): string {
  const expires = options ? options.expires : undefined;
  const widths = options ? options.widths : undefined;
  const key = typeof keys === 'string' ? keys : keys[0];
  if (typeof key !== 'string' || key.length < MIN_KEY_LENGTH) throw new Error(`signUrl needs a key of at least ${MIN_KEY_LENGTH} characters`);
  const hash = url.indexOf('#');
  const withoutFragment = hash < 0 ? url : url.slice(0, hash);
  const origin = (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?]*/.exec(withoutFragment) || [''])[0];
  const rest = withoutFragment.slice(origin.length);
  if (rest.charAt(0) !== '/') throw new Error(`signUrl needs an absolute URL or a path starting with /, got ${quoteReceived(url)}`);
  if (!AS_SENT.test(rest)) throw new Error(`signUrl needs the URL percent-encoded as it will be sent (no spaces or non-ASCII), got ${quoteReceived(rest)}`);
  const queryAt = rest.indexOf('?');
  const uri = queryAt < 0 ? rest : rest.slice(0, queryAt);
  let query = queryAt < 0 ? '' : rest.slice(queryAt + 1);
  if (splitSignature(uri, query).signature !== null) throw new Error('signUrl: the URL already carries sig');
  if (widths !== undefined) {
    const whole = (n: number) => n >= 1 && n === Math.floor(n) && n < 100000;
    if (!whole(widths.min) || !whole(widths.max) || widths.min > widths.max) throw new Error(`signUrl: widths must be whole pixels with min at most max, got ${widths.min}-${widths.max}`);
    if (WIDTH_RANGE.test(query)) throw new Error('signUrl: the URL already carries ws');
    query = (query ? query + '&' : '') + WIDTH_RANGE_PARAM + '=' + widths.min + '-' + widths.max;
  }
  if (expires !== undefined) {
    if (!(expires >= 0 && expires === Math.floor(expires))) throw new Error(`signUrl: expires must be whole Unix seconds, got ${expires}`);
    if (expiry(query) !== undefined) throw new Error('signUrl: the URL already carries exp');
    query = (query ? query + '&' : '') + EXPIRY_PARAM + '=' + expires;
  }
  // The message exactly as the normalizer makes it from the signed URL (splitSignature).
  const message = splitSignature(uri, (query ? query + '&' : '') + SIGNATURE_PARAM + '=').message;
  return origin + uri + '?' + (query ? query + '&' : '') + SIGNATURE_PARAM + '=' + hmacSha256Base64url(key, message);
}

/** The query of a URL (without `?` and fragment). */
function queryOf(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? '' : url.slice(at + 1).split('#')[0];
}

/** Whether a URL carries a `ws` signature (withWidth can set its width). */
export function hasSignedWidths(url: string): boolean {
  const query = queryOf(url);
  return WIDTH_RANGE.test(query) && /(^|&)sig=/.test(query);
}

/**
 * A URL signed with `ws` (signUrl's `widths`) with its `w` set to `width`: the signature stays
 * valid, since it leaves `w` out. `w` goes first, where it replaces every `w` the URL had.
 */
export function withWidth(url: string, width: number): string {
  if (!hasSignedWidths(url)) throw new Error(`withWidth needs a URL signed with widths (ws and sig), got ${quoteReceived(url)}`);
  const rest = ('&' + queryOf(url)).replace(WIDTH_PAIRS, '').slice(1);
  return url.slice(0, url.indexOf('?')) + '?w=' + width + (rest ? '&' + rest : '');
}
