// Both built normalizers behind one call: a request (path and raw query as sent, Accept) in,
// the canonical query or the generated response out, in each runtime's event shape.
import type { CloudFrontRequestEvent } from 'aws-lambda';
import type { CffRequest, CffResponse } from '../../functions/normalize/cloudfront-function';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { KeyValueStoreData } from '../../infra/local/functions';
import { cloudFrontFunctionNormalizer, distDir, lambdaNormalizer } from './bundles';
import { cffViewerRequest, viewerRequest } from './events';
import { keyValueStoreModule, njsVersion, runInNjs } from './njs';

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

function cffEvent(query: string, accept?: string, uri?: string) {
  const pairs = query.split('&').filter(Boolean).map((pair): [string, string] => {
    const eq = pair.indexOf('=');
    return eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
  });
  const event = cffViewerRequest(pairs, accept);
  if (uri !== undefined) event.request.uri = uri;
  return event;
}

function fromCff(result: CffRequest | CffResponse, sent: string): Answer {
  if ('uri' in result) {
    const canonical = Object.keys(result.querystring).map((name) => `${name}=${result.querystring[name].value}`).join('&');
    return result.uri === sent ? { query: canonical } : { query: canonical, uri: result.uri };
  }
  return { status: result.statusCode, contentType: result.headers['content-type'].value, body: result.body };
}

/**
 * The CloudFront Functions script under `dir` run in njs (a second engine, ES5.1-based like
 * cloudfront-js), one njs process per request; null where njs is not installed.
 */
export function njsRuntime(dir: string, keyValueStore: KeyValueStoreData = {}): Normalize | null {
  if (!njsVersion()) return null;
  const script = readFileSync(path.join(dir, 'normalize-cff/index.js'), 'utf8');
  return async (query, accept, uri) => {
    const event = cffEvent(query, accept, uri);
    const [answer] = runInNjs(script, [{ event, rawQueryString: query }], { cloudfront: keyValueStoreModule(keyValueStore) });
    if (!('ok' in answer)) throw new Error(`njs: ${answer.error}`);
    return fromCff(answer.ok as CffRequest | CffResponse, event.request.uri);
  };
}

function cloudFrontFunctionRuntime(dir: string, keyValueStore: KeyValueStoreData): Normalize {
  const cff = cloudFrontFunctionNormalizer(dir, keyValueStore);
  return async (query, accept, uri) => {
    const event = cffEvent(query, accept, uri);
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
