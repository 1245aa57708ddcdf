// Errors become responses here and nowhere else. Adapters only change the shape
// (Lambda@Edge header lists, CloudFront Functions header objects).
import { errorBody, isResizerError } from './errors';

/**
 * An error answer without a reason phrase: a generated response may leave `statusDescription`
 * out (CloudFront Functions: "If your function code generates a response, this field is
 * optional", "CloudFront Functions event structure"; Lambda@Edge: "only the status field is
 * required", "Generate HTTP responses in request triggers"), and CloudFront writes the status's
 * own. The normalizers' 10 KB script carries no table of them; the resizer adds its own.
 */
export interface PlainResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The Content-Security-Policy for SVG, which is served as stored and never rasterized: a script
 * in it must not run and its external references must not load when a viewer opens it directly.
 * The distribution's response headers policy puts it on every answer; the resizer adds it too.
 */
export const SVG_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/** The headers an SVG answer must carry, wherever it is served from. */
export const SVG_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': SVG_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
};

export function errorResponse(error: unknown, cacheControl: string): PlainResponse {
  const known = isResizerError(error);
  const status = known ? error.status : 500;
  return {
    status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': cacheControl,
      'x-content-type-options': 'nosniff',
      'x-resizer-error': known ? error.code : 'internal_error',
    },
    body: known ? errorBody(error) : 'internal error\n',
  };
}

/** Lambda@Edge spells headers as lists of { key, value }. */
export function toLambdaHeaders(headers: Readonly<Record<string, string>>): Record<string, Array<{ key: string; value: string }>> {
  const out: Record<string, Array<{ key: string; value: string }>> = {};
  Object.keys(headers).forEach((name) => { out[name] = [{ key: name, value: headers[name] }]; });
  return out;
}
