// The Lambda@Edge limits the resizer must stay inside and the local edge enforces.
// Source: CloudFront Developer Guide, "Quotas on Lambda@Edge" and "Restrictions on edge functions".
import { utf8Length } from './utf8';

/** Largest generated response (headers plus body as sent, base64 text included) for viewer events. */
export const VIEWER_RESPONSE_LIMIT_BYTES = 40 * 1024;
/** Largest generated response for origin events. */
export const ORIGIN_RESPONSE_LIMIT_BYTES = 1024 * 1024;
/** URI plus query string ("Maximum length of a URL: 8,192 bytes"; functions' results "less than 8,192 characters"). */
export const MAX_URI_AND_QUERY_CHARS = 8192;
/**
 * Lambda@Edge viewer-request package. The current quota page allows 50 MB for every event;
 * older ones gave viewer functions 1 MB, and the normalizer keeps inside that.
 */
export const LAMBDA_EDGE_VIEWER_PACKAGE_MAX_BYTES = 1024 * 1024;
/** "Maximum length of a request, including headers and query strings, but not including the body content: 20,480 bytes" (CloudFront quotas). */
export const MAX_REQUEST_HEADER_BYTES = 20480;
/** CloudFront Functions: largest function code. */
export const CLOUDFRONT_FUNCTION_MAX_BYTES = 10 * 1024;
/**
 * Response headers policies: longest Content-Security-Policy value. CloudFront refuses a longer one
 * with TooLongCSPInResponseHeadersPolicy (API reference); the figure is the quotas page's
 * "Maximum length of Content-Security-Policy header value".
 */
export const MAX_CONTENT_SECURITY_POLICY_CHARS = 1783;

export type EdgeHeaders = Record<string, Array<{ key?: string; value: string }>>;

/** Size CloudFront counts for a generated response: every header line plus the body string. */
export function generatedResponseBytes(headers: EdgeHeaders | undefined, body: string | undefined): number {
  let bytes = body ? utf8Length(body) : 0;
  if (headers) {
    for (const name of Object.keys(headers)) {
      for (const header of headers[name]) bytes += utf8Length((header.key || name) + ': ' + header.value + '\r\n');
    }
  }
  return bytes;
}

/** Headers a function may not set or change, per event type (lower case). */
export const READ_ONLY_HEADERS = {
  'viewer-request': ['content-length', 'host', 'transfer-encoding', 'via'],
  'origin-response': ['transfer-encoding', 'via'],
} as const;

/** Headers that make CloudFront answer 502 when a function adds them (prefixes end in '-'). */
export const FORBIDDEN_HEADERS: readonly string[] = [
  'connection', 'expect', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
  'trailer', 'upgrade', 'x-accel-', 'x-amz-cf-', 'x-cache', 'x-edge-', 'x-forwarded-proto', 'x-real-ip',
  'x-amzn-auth', 'x-amzn-cf-billing', 'x-amzn-cf-id', 'x-amzn-cf-xff', 'x-amzn-errortype', 'x-amzn-fle-profile',
  'x-amzn-header-count', 'x-amzn-header-order', 'x-amzn-lambda-integration-tag', 'x-amzn-requestid',
];

export function isForbiddenHeader(name: string): boolean {
  const lower = name.toLowerCase();
  for (const forbidden of FORBIDDEN_HEADERS) {
    if (forbidden.endsWith('-') ? lower.startsWith(forbidden) : lower === forbidden) return true;
  }
  return false;
}
