// Both built normalizers behind one call: a request (path and raw query as sent, Accept) in,
// the canonical query or the generated response out, in each runtime's event shape.
import type { CloudFrontRequestEvent } from 'aws-lambda';
import type { CffResponse } from '../../functions/normalize/cloudfront-function';
import type { KeyValueStoreData } from '../../infra/local/functions';
import { cloudFrontFunctionNormalizer, distDir, lambdaNormalizer } from './bundles';
import { cffViewerRequest, viewerRequest } from './events';

/** The canonical query, with the canonical path only when it is not the path as sent; or the generated response. */
export type Answer = { query: string; uri?: string } | { status: number; contentType: string; body: string };
export type Normalize = (query: string, accept?: string, uri?: string) => Promise<Answer>;

export function lambdaRuntime(dir: string): Normalize {
  const lambda = lambdaNormalizer(dir);
  return async (query, accept, uri) => {
    const event: CloudFrontRequestEvent = viewerRequest(query, accept, uri);
    const sent = event.Records[0].cf.request.uri;
    const result = await lambda(event);
    if (result && 'uri' in result) return result.uri === sent ? { query: result.querystring } : { query: result.querystring, uri: result.uri };
    const response = result as { status: string; headers: Record<string, Array<{ value: string }>>; body: string };
    return { status: Number(response.status), contentType: response.headers['content-type'][0].value, body: response.body };
  };
}

function cloudFrontFunctionRuntime(dir: string, keyValueStore: KeyValueStoreData): Normalize {
  const cff = cloudFrontFunctionNormalizer(dir, keyValueStore);
  return async (query, accept, uri) => {
    const pairs = query.split('&').filter(Boolean).map((pair): [string, string] => {
      const eq = pair.indexOf('=');
      return eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    });
    const event = cffViewerRequest(pairs, accept);
    if (uri !== undefined) event.request.uri = uri;
    const sent = event.request.uri;
    const result = await cff(event, query);
    if ('uri' in result) {
      const canonical = Object.keys(result.querystring).map((name) => `${name}=${result.querystring[name].value}`).join('&');
      return result.uri === sent ? { query: canonical } : { query: canonical, uri: result.uri };
    }
    const response = result as CffResponse;
    return { status: response.statusCode, contentType: response.headers['content-type'].value, body: response.body };
  };
}

/** [name, normalize] for the Lambda@Edge and the CloudFront Functions bundle under `dir`. */
export function normalizerRuntimes(dir = distDir, keyValueStore: KeyValueStoreData = {}): Array<[string, Normalize]> {
  return [['lambda@edge', lambdaRuntime(dir)], ['cloudfront-function', cloudFrontFunctionRuntime(dir, keyValueStore)]];
}
