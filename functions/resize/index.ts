// Lambda@Edge origin-response handler. On a 200 from S3 for a canonical transform of a raster
// image it fetches the original, resizes it and replaces the response (resize.ts, in named
// steps); every other response passes through untouched. It never throws: each failure has a
// documented answer.
import type { CloudFrontResponseEvent, CloudFrontResultResponse } from 'aws-lambda';
import { lambdaEdgeCostUsd } from '../../shared/lambda-edge-prices';
import { SVG_HEADERS, toLambdaHeaders } from '../../shared/responses';
import { deadlineMs, startDeadline } from './deadline';
import { elapsed, firstLine, type Invocation, type LogLine, type Memos } from './invocation';
import { createMemo, memoTtlMs, OVERRUN_MEMORY_MS } from './memo';
import { emfLine, metricNamespace } from './metrics';
import { decide, isSvg, missingWithFallback, passThrough } from './route';
import { resize } from './resize';
import { openImage, type OpenImage } from './transform';
import { resizerConfig, runtimeConfig, type ResizerConfig, type S3Overrides } from './runtime-config';

/**
 * The resizer still adds the SVG headers to the SVGs it passes through. On this stack's
 * distribution the response headers policy already puts the same CSP and nosniff on every answer,
 * so there they are a second layer; the case they still cover alone is an SVG that reaches the
 * resizer on a behaviour without that policy: a name not ending in `.svg` (`dev/drawing` stored as
 * image/svg+xml goes to `dev/*`, not `dev/*.svg`) behind a distribution that attaches the resizer
 * but not our policy (the bundle used on its own, or the policy replaced). It is one header merge.
 */
export { SVG_HEADERS };
export { QUALITY_LADDER } from './resize';
export { objectKey } from './route';

/** `open`: how the original is opened with sharp; a test passes one that counts (one-header-read.test.ts). */
export function createHandler(config: ResizerConfig, open: OpenImage = openImage) {
  const ttl = memoTtlMs(config.errorCacheControl);
  const memos: Memos = { refusals: createMemo(256, ttl), fallbacks: createMemo(16, ttl), overruns: createMemo(256, OVERRUN_MEMORY_MS) };
  return async function handler(event: CloudFrontResponseEvent): Promise<CloudFrontResultResponse> {
    const started = performance.now();
    const { request, response } = event.Records[0].cf;
    const log: LogLine = { outcome: 'passthrough', query: request.querystring || '', ms: {} };
    const deadline = startDeadline(deadlineMs(config));
    const invocation: Invocation = { event, config, log, started, deadline, memos, open };
    try {
      const decision = decide(event, config);
      if (typeof decision === 'string') {
        log.reason = decision;
        const missing = missingWithFallback(event, config);
        if (missing) {
          try {
            return await resize(invocation, missing, { key: config.fallback!, status: 404 });
          } catch (error) {
            // A fallback that cannot be served leaves S3's 404 as it is (cached for the error TTL).
            Object.assign(log, { outcome: 'passthrough', reason: `fallback failed: ${firstLine(error)}` });
            return response;
          }
        }
        if (isSvg(response)) Object.assign(response.headers, toLambdaHeaders(SVG_HEADERS));
        return passThrough(invocation);
      }
      return await resize(invocation, decision);
    } catch (error) {
      // S3 failures, timeouts and bugs: serve the original untouched, but stop CloudFront
      // from caching it under the variant's key so the next request tries again.
      log.outcome = 'fallback-error';
      log.reason = firstLine(error);
      response.headers['cache-control'] = [{ key: 'Cache-Control', value: 'no-store' }];
      return passThrough(invocation);
    } finally {
      deadline.dispose();
      log.ms.total = elapsed(started);
      log.costUsd = lambdaEdgeCostUsd(log.ms.total, config.deploy.resizeMemoryMb);
      console.log(JSON.stringify(emfLine(log, metricNamespace(config.deploy.stackName), Date.now())));
    }
  };
}

export const handler = createHandler(runtimeConfig);

/** The bundle's handler over another S3 (the local edge's s3rver, tests): endpoint, bucket, credentials passed in. */
export function handlerFor(s3: S3Overrides) {
  return createHandler(resizerConfig(runtimeConfig, s3));
}
