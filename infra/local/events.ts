// The events CloudFront hands to edge functions, in their real shapes. Pure. Every map keyed by
// a name the viewer chose (headers, query, cookies) is a null-prototype object, so names such
// as __proto__ or constructor are ordinary keys and pollute nothing.
//   Lambda@Edge:        Records[0].cf.{config, request[, response]}, headers { name: [{ key, value }] },
//                       querystring a raw string.
//   CloudFront Functions: { version, context, viewer, request }, headers { name: { value } },
//                       querystring { name: { value, multiValue? } }, values still percent-encoded.
import type { CloudFrontRequestEvent, CloudFrontResponseEvent } from 'aws-lambda';
import type { CffEvent } from '../../functions/normalize/cloudfront-function';
import type { PlainHeaders } from './rules';

/** A viewer request as it reached the edge: header names in the case the viewer sent them. */
export interface ViewerRequest {
  readonly method: string;
  readonly uri: string;
  readonly querystring: string;
  /** Whether the URL had a `?` (CloudFront Functions' rawQueryString() is undefined without one). */
  readonly hasQuery?: boolean;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly clientIp: string;
}

export interface DistributionInfo {
  readonly domainName: string;
  readonly id: string;
  readonly requestId: string;
}

/** An object with no prototype: `__proto__`, `constructor` and the like are plain keys in it. */
export function dictionary<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function has(map: object, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(map, name);
}

export function lambdaViewerRequestEvent(request: ViewerRequest, distribution: DistributionInfo): CloudFrontRequestEvent {
  const headers = dictionary<Array<{ key: string; value: string }>>();
  for (const [key, value] of request.headers) {
    const name = key.toLowerCase();
    if (!has(headers, name)) headers[name] = [];
    headers[name].push({ key, value });
  }
  return {
    Records: [{
      cf: {
        config: { distributionDomainName: distribution.domainName, distributionId: distribution.id, eventType: 'viewer-request', requestId: distribution.requestId },
        request: { clientIp: request.clientIp, headers, method: request.method, querystring: request.querystring, uri: request.uri },
      },
    }],
  };
}

type CffField = { value: string; multiValue?: Array<{ value: string }> };

function addField(fields: Record<string, CffField>, name: string, value: string): void {
  if (!has(fields, name)) {
    fields[name] = { value };
    return;
  }
  const existing = fields[name];
  (existing.multiValue ||= [{ value: existing.value }]).push({ value });
}

export function cffViewerRequestEvent(request: ViewerRequest, distribution: DistributionInfo): CffEvent & Record<string, unknown> {
  const querystring = dictionary<CffField>();
  for (const pair of request.querystring ? request.querystring.split('&') : []) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    addField(querystring, eq < 0 ? pair : pair.slice(0, eq), eq < 0 ? '' : pair.slice(eq + 1));
  }
  const headers = dictionary<CffField>();
  const cookies = dictionary<CffField>();
  for (const [key, value] of request.headers) {
    if (key.toLowerCase() !== 'cookie') {
      addField(headers, key.toLowerCase(), value);
      continue;
    }
    for (const cookie of value.split(';')) {
      const eq = cookie.indexOf('=');
      if (eq > 0) addField(cookies, cookie.slice(0, eq).trim(), cookie.slice(eq + 1).trim());
    }
  }
  return {
    version: '1.0',
    context: { distributionDomainName: distribution.domainName, distributionId: distribution.id, eventType: 'viewer-request', requestId: distribution.requestId },
    viewer: { ip: request.clientIp },
    request: { method: request.method, uri: request.uri, querystring, headers, cookies },
  };
}

export interface OriginExchange {
  readonly method: string;
  readonly uri: string;
  /** Only the forwarded (cache-key) pairs: what the origin saw. */
  readonly querystring: string;
  readonly clientIp: string;
  readonly origin: { readonly domainName: string; readonly region: string };
  readonly response: { readonly status: number; readonly statusDescription: string; readonly headers: PlainHeaders };
  /** The Range forwarded to the origin on this miss. */
  readonly range?: string;
}

function lambdaHeaderLists(headers: PlainHeaders): Record<string, Array<{ key: string; value: string }>> {
  const out = dictionary<Array<{ key: string; value: string }>>();
  for (const name of Object.keys(headers)) out[name] = headers[name].map((value) => ({ key: name.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()), value }));
  return out;
}

export function originResponseEvent(exchange: OriginExchange, distribution: DistributionInfo): CloudFrontResponseEvent {
  return {
    Records: [{
      cf: {
        config: { distributionDomainName: distribution.domainName, distributionId: distribution.id, eventType: 'origin-response', requestId: distribution.requestId },
        request: {
          clientIp: exchange.clientIp,
          headers: lambdaHeaderLists({ host: [exchange.origin.domainName], 'user-agent': ['Amazon CloudFront'], ...(exchange.range === undefined ? {} : { range: [exchange.range] }) }),
          method: exchange.method,
          origin: {
            s3: { authMethod: 'origin-access-identity', customHeaders: {}, domainName: exchange.origin.domainName, path: '', region: exchange.origin.region },
          },
          querystring: exchange.querystring,
          uri: exchange.uri,
        },
        response: {
          status: String(exchange.response.status),
          statusDescription: exchange.response.statusDescription,
          headers: lambdaHeaderLists(exchange.response.headers),
        },
      },
    }],
  };
}
