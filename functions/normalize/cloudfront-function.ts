// CloudFront Functions (cloudfront-js-2.0) viewer-request entry. The build puts this at the
// script's top level and adds the `async function handler(event)` the runtime calls. The query
// is read with `request.rawQueryString()`, which cloudfront-js-2.0 gives every request ("Use the
// rawQueryString() method to retrieve the unparsed and unaltered query string as a string";
// undefined without `?`: Developer Guide, "General helper methods"): what a signature covers.
// It goes through the same core as the Lambda@Edge build. Tools that run the script outside
// CloudFront provide the method themselves (the local edge; test/helpers/bundles.ts and njs.ts).

import type { NormalizerConfig as Config } from '../../shared/config';
import { errorResponse } from '../../shared/responses';
import { normalizeRequest, type SigningRuntime } from './core';

interface CffValue { value: string; multiValue?: Array<{ value: string }> }
export interface CffRequest {
  method: string;
  uri: string;
  querystring: Record<string, CffValue>;
  headers: Record<string, CffValue>;
  cookies?: Record<string, CffValue>;
  /**
   * cloudfront-js-2.0: the query as sent, without `?`; undefined when the URL has no `?`. A
   * method the runtime adds to the request it hands the function (absent from the event as JSON).
   */
  rawQueryString?: () => string | undefined;
}
export interface CffResponse {
  statusCode: number;
  headers: Record<string, { value: string }>;
  body: string;
}
export interface CffEvent { request: CffRequest }

function values(field: CffValue): string[] {
  return field.multiValue ? field.multiValue.map((item) => item.value) : [field.value];
}

/**
 * A query object joined back into a query string (repeated names in their multiValue order):
 * for the local edge's checks of a function's answer and for test tools that give a request no
 * rawQueryString(). Not the normalizer's input: the shipped script reads rawQueryString().
 */
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
  // Each `name=value` pair ('' has none; a canonical value never holds `=` or `&`): a replace
  // walks them in fewer of the script's bytes than a split and a loop.
  canonical.replace(/([^&]+)=([^&]*)/g, (_pair, name: string, value: string) => {
    out[name] = { value };
    return '';
  });
  return out;
}

export function createCffHandler(config: Config, signing: SigningRuntime) {
  return async function handler(event: CffEvent): Promise<CffRequest | CffResponse> {
    const request = event.request;
    // `accept` is no property of Object.prototype, so a plain read finds only the header. Several
    // Accept headers are read together, as the Lambda@Edge build reads them.
    const field = request.headers.accept;
    const accept = !field ? '' : field.multiValue ? field.multiValue.map((item) => item.value).join(',') : field.value;
    try {
      const normalized = await normalizeRequest({ uri: request.uri, rawQuery: request.rawQueryString!(), accept }, config, signing);
      request.uri = normalized.uri;
      if (normalized.query !== null) request.querystring = toCffQuery(normalized.query);
      // A transform's answer is the whole variant: a Range would reach S3 on a miss (issue 14).
      if (normalized.query) delete request.headers.range, delete request.headers['if-range'];
      return request;
    } catch (error) {
      const response = errorResponse(error, 'no-store');
      const headers: Record<string, { value: string }> = {};
      for (const name in response.headers) headers[name] = { value: response.headers[name] };
      return { statusCode: response.status, headers, body: response.body };
    }
  };
}


