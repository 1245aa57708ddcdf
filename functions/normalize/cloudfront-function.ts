// CloudFront Functions (cloudfront-js-2.0) viewer-request entry. The build wraps this in an
// IIFE and adds the top-level `function handler(event)` the runtime calls. The runtime hands
// over query names and values exactly as the viewer spelled them, so they are joined back
// into a raw query string and go through the same parser as the Lambda@Edge build.

import { canonicalQuery } from '../../shared/canonical';
import type { Config } from '../../shared/config';
import { errorResponse } from '../../shared/responses';

interface CffValue { value: string; multiValue?: Array<{ value: string }> }
export interface CffRequest {
  method: string;
  uri: string;
  querystring: Record<string, CffValue>;
  headers: Record<string, CffValue>;
  cookies?: Record<string, CffValue>;
}
export interface CffResponse {
  statusCode: number;
  statusDescription: string;
  headers: Record<string, { value: string }>;
  body: string;
}
export interface CffEvent { request: CffRequest }

function values(field: CffValue): string[] {
  return field.multiValue ? field.multiValue.map((item) => item.value) : [field.value];
}

export function rawQuery(querystring: Record<string, CffValue>): string {
  const pairs: string[] = [];
  const names = Object.keys(querystring);
  for (let n = 0; n < names.length; n++) {
    const name = names[n];
    const list = values(querystring[name]);
    for (let i = 0; i < list.length; i++) pairs.push(list[i] === '' ? name : name + '=' + list[i]);
  }
  return pairs.join('&');
}

function toCffQuery(canonical: string): Record<string, CffValue> {
  const out: Record<string, CffValue> = {};
  if (!canonical) return out;
  const pairs = canonical.split('&');
  for (let i = 0; i < pairs.length; i++) {
    const eq = pairs[i].indexOf('=');
    out[pairs[i].slice(0, eq)] = { value: pairs[i].slice(eq + 1) };
  }
  return out;
}

export function createCffHandler(config: Config) {
  return function handler(event: CffEvent): CffRequest | CffResponse {
    const request = event.request;
    const accept = request.headers.accept ? values(request.headers.accept).join(',') : '';
    try {
      request.querystring = toCffQuery(canonicalQuery(rawQuery(request.querystring || {}), accept, config));
      return request;
    } catch (error) {
      const response = errorResponse(error, 'no-store');
      const headers: Record<string, { value: string }> = {};
      Object.keys(response.headers).forEach((name) => { headers[name] = { value: response.headers[name] }; });
      return { statusCode: response.status, statusDescription: response.statusDescription, headers, body: response.body };
    }
  };
}


