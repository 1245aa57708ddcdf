// Lambda@Edge origin-response handler. On a 200 from S3 for a canonical transform of a raster
// image it fetches the original, resizes it and replaces the response; every other response
// passes through untouched. It never throws: each failure has a documented answer.
import type { CloudFrontResponse, CloudFrontResponseEvent, CloudFrontResultResponse } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { parseCanonical, type CanonicalTransform } from '../../shared/canonical';
import { isResizerError } from '../../shared/errors';
import { generatedResponseBytes, ORIGIN_RESPONSE_LIMIT_BYTES, READ_ONLY_HEADERS, type EdgeHeaders } from '../../shared/limits';
import { planTransform, type TransformPlan } from '../../shared/plan';
import { errorResponse, toLambdaHeaders } from '../../shared/responses';
import { runtimeConfig, type ResizerConfig } from './runtime-config';
import { emfLine, metricNamespace, type Outcome } from './metrics';
import { bucketFromDomain, fetchSource, type SourceLocation } from './source';
import { checkPixels, inspectSource, render, type Rendered } from './transform';

const RASTER_TYPES = ['image/jpeg', 'image/jpg', 'image/pjpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif', 'image/tiff'];

/** Qualities tried, in order, when a lossy variant is too large for a generated response. */
export const QUALITY_LADDER = [70, 55, 40, 25];

interface LogLine {
  outcome: Outcome;
  reason?: string;
  key?: string;
  query: string;
  status?: number;
  bytesIn?: number;
  bytesOut?: number;
  format?: string;
  width?: number;
  height?: number;
  quality?: number;
  ms: Record<string, number>;
}

function header(response: CloudFrontResponse, name: string): string | undefined {
  const list = response.headers[name];
  return list && list.length ? list[0].value : undefined;
}

/** The S3 key: the percent-decoded URI (UTF-8) below the origin path. */
export function objectKey(uri: string, originPath: string | undefined): string {
  const key = decodeURIComponent(uri.replace(/^\/+/, ''));
  const prefix = (originPath || '').replace(/^\/+|\/+$/g, '');
  return prefix ? `${prefix}/${key}` : key;
}

function sourceLocation(event: CloudFrontResponseEvent, config: ResizerConfig): SourceLocation {
  const request = event.Records[0].cf.request;
  const s3 = request.origin && request.origin.s3;
  const fromDomain = s3 ? bucketFromDomain(s3.domainName) : null;
  const bucket = config.s3.bucket || (fromDomain && fromDomain.bucket);
  if (!bucket) throw new Error(`no bucket: the origin is not S3 (${JSON.stringify(request.origin)}) and RESIZER_BUCKET is unset`);
  const region = (s3 && s3.region) || (fromDomain && fromDomain.region) || 'us-east-1';
  return { bucket, region, key: objectKey(request.uri, s3 && s3.path), endpoint: config.s3.endpoint };
}

/** Replaces the origin's headers, keeping the ones a function may not touch. */
function replaceHeaders(response: CloudFrontResponse, headers: EdgeHeaders, keep: readonly string[]): EdgeHeaders {
  const out: EdgeHeaders = {};
  for (const name of [...READ_ONLY_HEADERS['origin-response'], ...keep]) {
    if (response.headers[name]) out[name] = response.headers[name];
  }
  return { ...out, ...headers };
}

function variantHeaders(rendered: Rendered, plan: TransformPlan, config: ResizerConfig, timing: string): EdgeHeaders {
  return toLambdaHeaders({
    'content-type': `image/${plan.format}`,
    'cache-control': config.cacheControl,
    // The viewer's URL may have left the format to Accept; caches between CloudFront and the
    // browser must not hand this variant to a browser that sent a different Accept.
    vary: 'Accept',
    etag: `"${createHash('sha256').update(rendered.data).digest('base64url').slice(0, 27)}"`,
    'server-timing': timing,
    'x-content-type-options': 'nosniff',
  });
}

function serverTiming(ms: Record<string, number>): string {
  return Object.keys(ms).map((stage) => `${stage};dur=${ms[stage].toFixed(1)}`).join(', ');
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 10) / 10;
}

/** Which transform this response calls for, or why it passes through. */
function decide(event: CloudFrontResponseEvent, config: ResizerConfig): CanonicalTransform | string {
  const { request, response } = event.Records[0].cf;
  if (response.status !== '200') return `origin status ${response.status}`;
  if (request.method !== 'GET' && request.method !== 'HEAD') return `method ${request.method}`;
  const transform = parseCanonical(request.querystring || '', config);
  if (!transform) return request.querystring ? 'query not canonical' : 'bare url';
  const type = (header(response, 'content-type') || '').split(';')[0].trim().toLowerCase();
  if (RASTER_TYPES.indexOf(type) < 0) return `content-type ${type || 'missing'}`;
  return transform;
}

export function createHandler(config: ResizerConfig) {
  return async function handler(event: CloudFrontResponseEvent): Promise<CloudFrontResultResponse> {
    const started = performance.now();
    const { request, response } = event.Records[0].cf;
    const log: LogLine = { outcome: 'passthrough', query: request.querystring || '', ms: {} };
    try {
      const decision = decide(event, config);
      if (typeof decision === 'string') {
        log.reason = decision;
        return response;
      }
      return await resize(event, decision, config, log, started);
    } catch (error) {
      // S3 failures, timeouts and bugs: serve the original untouched, but stop CloudFront
      // from caching it under the variant's key so the next request tries again.
      log.outcome = 'fallback-error';
      log.reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      response.headers['cache-control'] = [{ key: 'Cache-Control', value: 'no-store' }];
      return response;
    } finally {
      log.ms.total = elapsed(started);
      console.log(JSON.stringify(emfLine(log, metricNamespace(config.deploy.stackName), Date.now())));
    }
  };
}

async function resize(
  event: CloudFrontResponseEvent, transform: CanonicalTransform, config: ResizerConfig, log: LogLine, started: number,
): Promise<CloudFrontResultResponse> {
  const response = event.Records[0].cf.response;
  const location = sourceLocation(event, config);
  log.key = location.key;
  try {
    let mark = performance.now();
    const input = await fetchSource(location, config.maxInputBytes);
    log.ms.fetch = elapsed(mark);
    log.bytesIn = input.length;

    mark = performance.now();
    const source = await inspectSource(input);
    const plan = planTransform(transform, source, config);
    checkPixels(source, plan, config);
    log.format = plan.format;

    const timeoutSeconds = Math.max(1, config.deploy.resizeTimeoutSeconds - 3);
    const attempts: Array<{ quality?: number; palette?: boolean }> = [{}];
    if (plan.quality !== undefined) for (const q of QUALITY_LADDER) if (q < plan.quality) attempts.push({ quality: q });
    if (plan.format === 'png') attempts.push({ palette: true });

    for (const attempt of attempts) {
      const rendered = await render(input, plan, config, { ...attempt, timeoutSeconds });
      log.ms.transform = elapsed(mark);
      const body = rendered.data.toString('base64');
      const timing = serverTiming({ fetch: log.ms.fetch, transform: log.ms.transform, total: elapsed(started) });
      const headers = replaceHeaders(response, variantHeaders(rendered, plan, config, timing), ['last-modified', 'date']);
      if (generatedResponseBytes(headers, body) <= ORIGIN_RESPONSE_LIMIT_BYTES) {
        Object.assign(log, {
          outcome: 'resized', status: 200, bytesOut: rendered.data.length, width: rendered.width, height: rendered.height,
          quality: attempt.quality !== undefined ? attempt.quality : plan.quality,
        });
        return { status: '200', statusDescription: 'OK', headers, body, bodyEncoding: 'base64' };
      }
    }
    log.outcome = 'fallback-too-large';
    log.reason = `every variant exceeded ${ORIGIN_RESPONSE_LIMIT_BYTES} bytes`;
    return response;
  } catch (error) {
    if (!isResizerError(error) || error.status >= 500) throw error;
    const answer = errorResponse(error, config.errorCacheControl);
    Object.assign(log, { outcome: 'rejected', status: answer.status, reason: error.message });
    return {
      status: String(answer.status),
      statusDescription: answer.statusDescription,
      headers: replaceHeaders(response, toLambdaHeaders(answer.headers), []),
      body: answer.body,
      bodyEncoding: 'text',
    };
  }
}

export const handler = createHandler(runtimeConfig);
