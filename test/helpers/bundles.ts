// The built normalizer bundles, loaded the way each runtime loads them.
import type { CloudFrontRequestEvent, CloudFrontRequestResult } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type { CffEvent, CffRequest, CffResponse } from '../../functions/normalize/cloudfront-function';

export const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist');

export function lambdaNormalizer(): (event: CloudFrontRequestEvent) => Promise<CloudFrontRequestResult> {
  const require = createRequire(import.meta.url);
  return require(path.join(distDir, 'normalize/index.js')).handler;
}

/** Runs the CloudFront Functions script in a bare V8 context: no require, process, Buffer or console. */
export function cloudFrontFunctionNormalizer(): (event: CffEvent) => CffRequest | CffResponse {
  const context = vm.createContext({});
  vm.runInContext(readFileSync(path.join(distDir, 'normalize-cff/index.js'), 'utf8'), context, { filename: 'normalize-cff/index.js' });
  const handler = context.handler as (event: CffEvent) => CffRequest | CffResponse;
  // Results cross the context boundary; JSON makes them plain objects of this realm.
  return (event) => JSON.parse(JSON.stringify(handler(JSON.parse(JSON.stringify(event)))));
}
