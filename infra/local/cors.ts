// The response-headers policy's CORS part, as a pure decision. CloudFront adds CORS headers
// only to CORS requests (those with an Origin header) and, with origin override, replaces
// whatever the origin sent. A disallowed origin simply gets no access-control-allow-origin,
// and the browser refuses to hand the response to the page.

/** The policy the local edge applies; the CDK response-headers policy should say the same. */
export const CORS_POLICY = {
  allowMethods: ['GET', 'HEAD', 'OPTIONS'],
  allowHeaders: ['*'],
  /** Response headers a page may read beyond the CORS-safelisted ones. */
  exposeHeaders: ['age', 'content-length', 'etag', 'server-timing', 'vary', 'x-cache', 'x-resizer-error'],
  maxAgeSeconds: 600,
} as const;

export function isOriginAllowed(origin: string, allowedOrigins: readonly string[]): boolean {
  return allowedOrigins.indexOf('*') >= 0 || allowedOrigins.indexOf(origin) >= 0;
}

export function isPreflight(method: string, headers: { origin?: string; 'access-control-request-method'?: string }): boolean {
  return method === 'OPTIONS' && !!headers.origin && !!headers['access-control-request-method'];
}

/** Headers to add to a response (lower-case names); empty for non-CORS or disallowed requests. */
export function corsHeaders(origin: string | undefined, allowedOrigins: readonly string[], preflight: boolean): Record<string, string> {
  if (!origin || !isOriginAllowed(origin, allowedOrigins)) return {};
  const headers: Record<string, string> = {
    'access-control-allow-origin': allowedOrigins.indexOf('*') >= 0 ? '*' : origin,
  };
  if (preflight) {
    headers['access-control-allow-methods'] = CORS_POLICY.allowMethods.join(', ');
    headers['access-control-allow-headers'] = CORS_POLICY.allowHeaders.join(', ');
    headers['access-control-max-age'] = String(CORS_POLICY.maxAgeSeconds);
  } else {
    headers['access-control-expose-headers'] = CORS_POLICY.exposeHeaders.join(', ');
  }
  return headers;
}

export function isCorsHeader(name: string): boolean {
  return name.toLowerCase().startsWith('access-control-');
}
