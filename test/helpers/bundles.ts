// The built normalizer bundles, loaded the way the local edge (and each runtime) loads them.
import type { CloudFrontRequestEvent, CloudFrontRequestResult } from 'aws-lambda';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CffEvent, CffRequest, CffResponse } from '../../functions/normalize/cloudfront-function';
import { loadCloudFrontFunctionFile, loadLambdaBundle } from '../../infra/local/functions';

export const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist');

export function lambdaNormalizer(): (event: CloudFrontRequestEvent) => Promise<CloudFrontRequestResult> {
  return loadLambdaBundle(path.join(distDir, 'normalize/index.js')) as unknown as (event: CloudFrontRequestEvent) => Promise<CloudFrontRequestResult>;
}

/** Runs the CloudFront Functions script in a bare V8 context: no require, process, Buffer or console. */
export function cloudFrontFunctionNormalizer(): (event: CffEvent) => CffRequest | CffResponse {
  const { context } = loadCloudFrontFunctionFile(path.join(distDir, 'normalize-cff/index.js'));
  const handler = (context as { handler: (event: CffEvent) => CffRequest | CffResponse }).handler;
  // Results cross the context boundary; JSON makes them plain objects of this realm.
  return (event) => JSON.parse(JSON.stringify(handler(JSON.parse(JSON.stringify(event)))));
}
