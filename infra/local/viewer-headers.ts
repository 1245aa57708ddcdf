// The response headers policy, applied to every answer as CloudFront applies it: CORS headers
// only for CORS requests (those with an Origin header) from an allowed origin, replacing the
// origin's when the policy overrides them; then the security and custom headers. Pure.
// A disallowed origin simply gets no access-control-allow-origin: the browser then refuses to
// hand the response to the page, while <img> without crossorigin still shows it.
import type { ViewerHeadersPolicy } from './distribution';
import type { PlainHeaders } from './rules';

export function isOriginAllowed(origin: string, allowOrigins: readonly string[]): boolean {
  return allowOrigins.indexOf('*') >= 0 || allowOrigins.indexOf(origin) >= 0;
}

export function isPreflight(method: string, origin: string | undefined, requestMethod: string | undefined): boolean {
  return method === 'OPTIONS' && !!origin && !!requestMethod;
}

export interface ViewerRequestInfo {
  readonly origin?: string;
  readonly preflight: boolean;
}

function set(headers: PlainHeaders, name: string, value: string, override: boolean): void {
  if (override || !headers[name]) headers[name] = [value];
}

export function applyViewerHeaders(answer: PlainHeaders, policy: ViewerHeadersPolicy, request: ViewerRequestInfo): PlainHeaders {
  const headers: PlainHeaders = { ...answer };
  const cors = policy.cors;
  if (cors) {
    if (cors.originOverride) for (const name of Object.keys(headers)) if (name.startsWith('access-control-')) delete headers[name];
    if (request.origin && isOriginAllowed(request.origin, cors.allowOrigins)) {
      const override = cors.originOverride;
      set(headers, 'access-control-allow-origin', cors.allowOrigins.indexOf('*') >= 0 ? '*' : request.origin, override);
      if (cors.allowCredentials) set(headers, 'access-control-allow-credentials', 'true', override);
      if (request.preflight) {
        set(headers, 'access-control-allow-methods', cors.allowMethods.join(', '), override);
        set(headers, 'access-control-allow-headers', cors.allowHeaders.join(', '), override);
        if (cors.maxAgeSeconds !== undefined) set(headers, 'access-control-max-age', String(cors.maxAgeSeconds), override);
      } else if (cors.exposeHeaders.length) {
        set(headers, 'access-control-expose-headers', cors.exposeHeaders.join(', '), override);
      }
    }
  }
  if (policy.contentTypeOptions) set(headers, 'x-content-type-options', 'nosniff', policy.contentTypeOptions.override);
  if (policy.contentSecurityPolicy) set(headers, 'content-security-policy', policy.contentSecurityPolicy.value, policy.contentSecurityPolicy.override);
  for (const custom of policy.customHeaders) set(headers, custom.header.toLowerCase(), custom.value, custom.override);
  return headers;
}
