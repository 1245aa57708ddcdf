// The responses the resizer builds: a variant (image or info JSON) and a refusal, each with the
// origin's read-only headers kept.
import type { CloudFrontResponse, CloudFrontResultResponse } from 'aws-lambda';
import { createHash } from 'node:crypto';
import type { ResizerError } from '../../shared/errors';
import { READ_ONLY_HEADERS, type EdgeHeaders } from '../../shared/limits';
import { errorResponse, toLambdaHeaders } from '../../shared/responses';

/** The fallback image to serve instead of the original, and the status to answer with. */
export interface FallbackTarget { readonly key: string; readonly status: 404 | 422 }
const FALLBACK_STATUS_TEXT = { 404: 'Not Found', 422: 'Unprocessable Entity' } as const;

/** Replaces the origin's headers, keeping the ones a function may not touch. */
export function replaceHeaders(response: CloudFrontResponse, headers: EdgeHeaders, keep: readonly string[]): EdgeHeaders {
  const out: EdgeHeaders = {};
  for (const name of [...READ_ONLY_HEADERS['origin-response'], ...keep]) {
    if (response.headers[name]) out[name] = response.headers[name];
  }
  return { ...out, ...headers };
}

/** The headers of a variant (or of the fallback image) over the origin's. */
export function variantHeaders(response: CloudFrontResponse, data: Buffer, contentType: string, cacheControl: string, timing: string): EdgeHeaders {
  return replaceHeaders(response, toLambdaHeaders({
    'content-type': contentType,
    'cache-control': cacheControl,
    // A strong validator of these exact bytes: CloudFront answers If-None-Match with 304.
    // The viewer's URL may have left the format to Accept; caches between CloudFront and the
    // browser must not hand this variant to a browser that sent a different Accept.
    vary: 'Accept',
    etag: `"${createHash('sha256').update(data).digest('base64url').slice(0, 27)}"`,
    'server-timing': timing,
    'x-content-type-options': 'nosniff',
  }), ['last-modified', 'date']);
}

export function serverTiming(ms: Record<string, number>): string {
  return Object.keys(ms).map((stage) => `${stage};dur=${ms[stage].toFixed(1)}`).join(', ');
}

/** The status a variant is answered with: 200, or the fallback's. */
export function variantStatus(fallback?: FallbackTarget): { status: number; statusDescription: string } {
  return fallback ? { status: fallback.status, statusDescription: FALLBACK_STATUS_TEXT[fallback.status] } : { status: 200, statusDescription: 'OK' };
}

export function variantAnswer(headers: EdgeHeaders, body: string, bodyEncoding: 'text' | 'base64', fallback?: FallbackTarget): CloudFrontResultResponse {
  const { status, statusDescription } = variantStatus(fallback);
  return { status: String(status), statusDescription, headers, body, bodyEncoding };
}

/** A refusal (4xx) with its one-line reason, cached for the error TTL. */
export function refusalAnswer(response: CloudFrontResponse, error: ResizerError, errorCacheControl: string): CloudFrontResultResponse {
  const answer = errorResponse(error, errorCacheControl);
  return {
    // No reason phrase: optional in a generated response, CloudFront writes the status's own (shared/responses.ts).
    status: String(answer.status),
    headers: replaceHeaders(response, toLambdaHeaders(answer.headers), []),
    body: answer.body,
    bodyEncoding: 'text',
  };
}
