// Lambda@Edge origin-response handler. On a 200 from S3 for a canonical transform of a raster
// image it fetches the original, resizes it and replaces the response; every other response
// passes through untouched. It never throws: each failure has a documented answer.
import type { CloudFrontResponse, CloudFrontResponseEvent, CloudFrontResultResponse } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { parseCanonical, type CanonicalTransform } from '../../shared/canonical';
import { isResizerError, type ResizerError } from '../../shared/errors';
import { FORMATS, isInfoFormat, SOURCE_TYPES } from '../../shared/formats';
import { generatedResponseBytes, ORIGIN_RESPONSE_LIMIT_BYTES, READ_ONLY_HEADERS, type EdgeHeaders } from '../../shared/limits';
import { planTransform } from '../../shared/plan';
import { errorResponse, SVG_HEADERS, toLambdaHeaders } from '../../shared/responses';
import { describe } from './info';
import { resizerConfig, runtimeConfig, type ResizerConfig, type S3Overrides } from './runtime-config';
import { capToBudget, encodeSeconds, LADDER_STEP_SHARE, sourceComplexity } from './budget';
import { deadlineMs, startDeadline, type Deadline } from './deadline';
import { createMemo, memoTtlMs, type Memo } from './memo';
import { emfLine, metricNamespace, type Outcome } from './metrics';
import { originalInstead } from './never-larger';
import { bucketFromDomain, fetchSource, type SourceLocation } from './source';
import { checkPixels, inspectSource, render } from './transform';


/**
 * The resizer still adds the SVG headers to the SVGs it passes through. On this stack's
 * distribution the response headers policy already puts the same CSP and nosniff on every answer,
 * so there they are a second layer; the case they still cover alone is an SVG that reaches the
 * resizer on a behaviour without that policy: a name not ending in `.svg` (`dev/drawing` stored as
 * image/svg+xml goes to `dev/*`, not `dev/*.svg`) behind a distribution that attaches the resizer
 * but not our policy (the bundle used on its own, or the policy replaced). It is one header merge.
 */
export { SVG_HEADERS };

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
  /** The size asked for when the encode budget made the output smaller. */
  capped?: string;
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

function sourceLocation(event: CloudFrontResponseEvent, config: ResizerConfig, fallbackKey?: string): SourceLocation {
  const request = event.Records[0].cf.request;
  const s3 = request.origin && request.origin.s3;
  const fromDomain = s3 ? bucketFromDomain(s3.domainName) : null;
  const bucket = config.s3.bucket || (fromDomain && fromDomain.bucket);
  if (!bucket) throw new Error(`no bucket: the origin is not S3 (${JSON.stringify(request.origin)}) and no bucket was passed in`);
  const region = (s3 && s3.region) || (fromDomain && fromDomain.region) || 'us-east-1';
  return { bucket, region, key: fallbackKey || objectKey(request.uri, s3 && s3.path), endpoint: config.s3.endpoint, credentials: config.s3.credentials };
}

/** Replaces the origin's headers, keeping the ones a function may not touch. */
function replaceHeaders(response: CloudFrontResponse, headers: EdgeHeaders, keep: readonly string[]): EdgeHeaders {
  const out: EdgeHeaders = {};
  for (const name of [...READ_ONLY_HEADERS['origin-response'], ...keep]) {
    if (response.headers[name]) out[name] = response.headers[name];
  }
  return { ...out, ...headers };
}

function variantHeaders(rendered: { readonly data: Buffer }, contentType: string, cacheControl: string, timing: string): EdgeHeaders {
  return toLambdaHeaders({
    'content-type': contentType,
    'cache-control': cacheControl,
    // A strong validator of these exact bytes: CloudFront answers If-None-Match with 304.
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

function firstLine(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 10) / 10;
}

function isSvg(response: CloudFrontResponse): boolean {
  return (header(response, 'content-type') || '').split(';')[0].trim().toLowerCase() === 'image/svg+xml';
}

/** A 404 for a transform, when config names a fallback image to serve in its place. */
function missingWithFallback(event: CloudFrontResponseEvent, config: ResizerConfig): CanonicalTransform | null {
  const { request, response } = event.Records[0].cf;
  if (response.status !== '404' || !config.fallback || (request.method !== 'GET' && request.method !== 'HEAD')) return null;
  return parseCanonical(request.querystring || '', config);
}

/** Which transform this response calls for, or why it passes through. */
function decide(event: CloudFrontResponseEvent, config: ResizerConfig): CanonicalTransform | string {
  const { request, response } = event.Records[0].cf;
  if (response.status !== '200') return `origin status ${response.status}`;
  if (request.method !== 'GET' && request.method !== 'HEAD') return `method ${request.method}`;
  const transform = parseCanonical(request.querystring || '', config);
  if (!transform) return request.querystring ? 'query not canonical' : 'bare url';
  const type = (header(response, 'content-type') || '').split(';')[0].trim().toLowerCase();
  if (SOURCE_TYPES.indexOf(type) < 0) return `content-type ${type || 'missing'}`;
  return transform;
}

/** What one container remembers between invocations (memo.ts). */
interface Memos {
  /** Refusals (422) by original, its S3 ETag and the canonical query. */
  readonly refusals: Memo<ResizerError>;
  /** Rendered fallback answers by fallback key, status and canonical query. */
  readonly fallbacks: Memo<CloudFrontResultResponse>;
}

/** Everything one invocation carries through resize(). */
interface Invocation {
  readonly event: CloudFrontResponseEvent;
  readonly config: ResizerConfig;
  readonly log: LogLine;
  readonly started: number;
  readonly deadline: Deadline;
  readonly memos: Memos;
}

export function createHandler(config: ResizerConfig) {
  const ttl = memoTtlMs(config.errorCacheControl);
  const memos: Memos = { refusals: createMemo(256, ttl), fallbacks: createMemo(16, ttl) };
  return async function handler(event: CloudFrontResponseEvent): Promise<CloudFrontResultResponse> {
    const started = performance.now();
    const { request, response } = event.Records[0].cf;
    const log: LogLine = { outcome: 'passthrough', query: request.querystring || '', ms: {} };
    const deadline = startDeadline(deadlineMs(config));
    const invocation: Invocation = { event, config, log, started, deadline, memos };
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
        return response;
      }
      return await resize(invocation, decision);
    } catch (error) {
      // S3 failures, timeouts and bugs: serve the original untouched, but stop CloudFront
      // from caching it under the variant's key so the next request tries again.
      log.outcome = 'fallback-error';
      log.reason = firstLine(error);
      response.headers['cache-control'] = [{ key: 'Cache-Control', value: 'no-store' }];
      return response;
    } finally {
      log.ms.total = elapsed(started);
      console.log(JSON.stringify(emfLine(log, metricNamespace(config.deploy.stackName), Date.now())));
    }
  };
}

/** The fallback image to serve instead of the original, and the status to answer with. */
interface FallbackTarget { readonly key: string; readonly status: 404 | 422 }
const FALLBACK_STATUS_TEXT = { 404: 'Not Found', 422: 'Unprocessable Entity' } as const;

async function resize(invocation: Invocation, transform: CanonicalTransform, fallback?: FallbackTarget): Promise<CloudFrontResultResponse> {
  const { event, config, log, started, deadline, memos } = invocation;
  const response = event.Records[0].cf.response;
  const location = sourceLocation(event, config, fallback && fallback.key);
  const query = event.Records[0].cf.request.querystring || '';
  log.key = location.key;
  // The origin's ETag names this version of the original: a fixed file gets a new one.
  const originEtag = header(response, 'etag');
  const refusalKey = !fallback && originEtag ? `${location.bucket}/${location.key} ${originEtag} ?${query}` : undefined;
  const fallbackKey = fallback ? `${fallback.key} ${fallback.status} ?${query}` : undefined;
  try {
    const remembered = refusalKey ? memos.refusals.get(refusalKey) : undefined;
    if (remembered) {
      log.reason = 'refusal remembered';
      throw remembered;
    }
    const rendered = fallbackKey ? memos.fallbacks.get(fallbackKey) : undefined;
    if (rendered) {
      Object.assign(log, { outcome: 'fallback-image', status: fallback!.status, reason: 'fallback remembered' });
      return structuredClone(rendered);
    }
    let mark = performance.now();
    const input = await deadline.race(fetchSource(location, config.maxInputBytes, deadline.signal), 'fetch');
    log.ms.fetch = elapsed(mark);
    log.bytesIn = input.length;

    mark = performance.now();
    const source = await inspectSource(input);
    const requested = planTransform(transform, source, config);
    checkPixels(source, requested, config);
    const complexity = sourceComplexity(input.length, source.width * source.height * source.pages);
    const { plan, size, cappedFrom } = capToBudget(requested, requested.input, source.pages, deadline.remainingMs(), config, complexity);
    if (cappedFrom) log.capped = `${cappedFrom.width}x${cappedFrom.height}`;
    log.format = plan.format;

    const attempts: Array<{ quality?: number; palette?: boolean }> = [{}];
    if (plan.quality !== undefined) for (const q of QUALITY_LADDER) if (q < plan.quality) attempts.push({ quality: q });
    if (plan.format === 'png') attempts.push({ palette: true });
    const pixels = size.width * size.height * (plan.animated ? source.pages : 1);
    const cacheControl = fallback ? config.errorCacheControl : config.cacheControl;
    if (isInfoFormat(transform.f)) {
      const described = await deadline.race(describe(transform.f, input, source, plan, config, Math.max(1, Math.floor(deadline.remainingMs() / 1000))), 'encode');
      log.ms.transform = elapsed(mark);
      const timing = serverTiming({ fetch: log.ms.fetch, transform: log.ms.transform, total: elapsed(started) });
      const status = fallback ? fallback.status : 200;
      Object.assign(log, { outcome: fallback ? 'fallback-image' : 'resized', status, bytesOut: described.data.length, width: described.width, height: described.height, format: transform.f });
      const headers = replaceHeaders(response, variantHeaders(described, described.contentType, cacheControl, timing), ['last-modified', 'date']);
      return { status: String(status), statusDescription: fallback ? FALLBACK_STATUS_TEXT[fallback.status] : 'OK', headers, body: described.data.toString('utf8'), bodyEncoding: 'text' };
    }

    for (const [index, attempt] of attempts.entries()) {
      // A later step runs only if even its worst case fits in half the time left: an encode
      // cannot be stopped once started (budget.ts), and the other half is slack for a CPU
      // that is slower or busier than the one the budget was measured on.
      if (index > 0 && encodeSeconds(pixels, plan.format, attempt.palette === true, config, complexity) * 1000 > deadline.remainingMs() * LADDER_STEP_SHARE) {
        log.reason = `no time left for the next step of the size ladder`;
        break;
      }
      const timeoutSeconds = Math.max(1, Math.floor(deadline.remainingMs() / 1000));
      let rendered = await deadline.race(render(input, plan, config, { ...attempt, timeoutSeconds }), 'encode');
      log.ms.transform = elapsed(mark);
      const originalFormat = fallback ? null : originalInstead(input.length, source, plan, rendered);
      if (originalFormat) rendered = { ...rendered, data: input };
      const body = rendered.data.toString('base64');
      const timing = serverTiming({ fetch: log.ms.fetch, transform: log.ms.transform, total: elapsed(started) });
      const headers = replaceHeaders(response, variantHeaders(rendered, FORMATS[originalFormat || plan.format].mimes[0], cacheControl, timing), ['last-modified', 'date']);
      if (generatedResponseBytes(headers, body) <= ORIGIN_RESPONSE_LIMIT_BYTES) {
        const status = fallback ? fallback.status : 200;
        Object.assign(log, {
          outcome: fallback ? 'fallback-image' : originalFormat ? 'original-smaller' : 'resized', status, bytesOut: rendered.data.length, width: rendered.width, height: rendered.height,
          quality: attempt.quality !== undefined ? attempt.quality : plan.quality,
        });
        if (originalFormat) log.format = originalFormat;
        const answer: CloudFrontResultResponse = { status: String(status), statusDescription: fallback ? FALLBACK_STATUS_TEXT[fallback.status] : 'OK', headers, body, bodyEncoding: 'base64' };
        if (fallbackKey) memos.fallbacks.set(fallbackKey, structuredClone(answer));
        return answer;
      }
    }
    log.outcome = 'fallback-too-large';
    log.reason = log.reason || `every variant exceeded ${ORIGIN_RESPONSE_LIMIT_BYTES} bytes`;
    return response;
  } catch (error) {
    // A fallback image that cannot be served leaves the answer it stood in for.
    if (!isResizerError(error) || error.status >= 500 || fallback) throw error;
    if (refusalKey) memos.refusals.set(refusalKey, error);
    // An undecodable or oversized original: the fallback image, when there is one and this
    // was not already it.
    if (config.fallback && error.status === 422) {
      log.reason = error.message;
      try {
        return await resize(invocation, transform, { key: config.fallback, status: 422 });
      } catch {
        // The fallback itself failed: answer the original error.
      }
    }
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

/** The bundle's handler over another S3 (the local edge's s3rver, tests): endpoint, bucket, credentials passed in. */
export function handlerFor(s3: S3Overrides) {
  return createHandler(resizerConfig(runtimeConfig, s3));
}
