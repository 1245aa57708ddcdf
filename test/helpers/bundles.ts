// The built normalizer bundles, loaded the way the local edge (and each runtime) loads them.
import type { CloudFrontRequestEvent, CloudFrontRequestResult } from 'aws-lambda';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rawQuery, type CffEvent, type CffRequest, type CffResponse } from '../../functions/normalize/cloudfront-function';
import { invokeCloudFrontFunction, loadCloudFrontFunctionFile, loadLambdaBundle, type KeyValueStoreData } from '../../infra/local/functions';

export const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist');

export function lambdaNormalizer(dir = distDir): (event: CloudFrontRequestEvent) => Promise<CloudFrontRequestResult> {
  return loadLambdaBundle(path.join(dir, 'normalize/index.js')) as unknown as (event: CloudFrontRequestEvent) => Promise<CloudFrontRequestResult>;
}

/**
 * Runs the CloudFront Functions script in a bare V8 context (no require, process, Buffer or
 * console) with the runtime's `crypto` and `cloudfront` modules emulated, `keyValueStore` as its
 * KeyValueStore, and `rawQueryString` as what request.rawQueryString() returns. Without it the
 * method returns the event's query object joined back (its repeated names in multiValue order):
 * CloudFront gives every request the method, and the script reads nothing else.
 */
export function cloudFrontFunctionNormalizer(dir = distDir, keyValueStore: KeyValueStoreData = {}): (event: CffEvent, rawQueryString?: string) => Promise<CffRequest | CffResponse> {
  const loaded = loadCloudFrontFunctionFile(path.join(dir, 'normalize-cff/index.js'), keyValueStore);
  return async (event, rawQueryString) => {
    const raw = rawQueryString === undefined ? rawQuery(event.request.querystring || {}) : rawQueryString;
    const invocation = await invokeCloudFrontFunction(loaded, event, 1000, { rawQueryString: raw });
    if (invocation.outcome !== 'result') throw new Error(`the CloudFront Function failed: ${invocation.outcome === 'error' ? String(invocation.error) : 'timeout'}`);
    return invocation.result as CffRequest | CffResponse;
  };
}
