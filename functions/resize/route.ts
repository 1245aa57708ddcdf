// Which origin responses the resizer transforms, and where their original lives in S3.
import type { CloudFrontResponse, CloudFrontResponseEvent, CloudFrontResultResponse } from 'aws-lambda';
import { parseCanonical, type CanonicalTransform } from '../../shared/canonical';
import { resizerError } from '../../shared/errors';
import { SOURCE_TYPES } from '../../shared/formats';
import { errorResponse, toLambdaHeaders } from '../../shared/responses';
import { header, type Invocation, type LogLine } from './invocation';
import type { ResizerConfig } from './runtime-config';
import { bucketFromDomain, type SourceLocation } from './source';

/** The S3 key: the percent-decoded URI (UTF-8) below the origin path. */
export function objectKey(uri: string, originPath: string | undefined): string {
  const key = decodeURIComponent(uri.replace(/^\/+/, ''));
  const prefix = (originPath || '').replace(/^\/+|\/+$/g, '');
  return prefix ? `${prefix}/${key}` : key;
}

export function sourceLocation(event: CloudFrontResponseEvent, config: ResizerConfig, fallbackKey?: string): SourceLocation {
  const request = event.Records[0].cf.request;
  const s3 = request.origin && request.origin.s3;
  const fromDomain = s3 ? bucketFromDomain(s3.domainName) : null;
  const bucket = config.s3.bucket || (fromDomain && fromDomain.bucket);
  if (!bucket) throw new Error(`no bucket: the origin is not S3 (${JSON.stringify(request.origin)}) and no bucket was passed in`);
  const region = (s3 && s3.region) || (fromDomain && fromDomain.region) || 'us-east-1';
  return { bucket, region, key: fallbackKey || objectKey(request.uri, s3 && s3.path), endpoint: config.s3.endpoint, credentials: config.s3.credentials };
}

export function isSvg(response: CloudFrontResponse): boolean {
  return (header(response, 'content-type') || '').split(';')[0].trim().toLowerCase() === 'image/svg+xml';
}

/** A 404 for a transform, when config names a fallback image to serve in its place. */
export function missingWithFallback(event: CloudFrontResponseEvent, config: ResizerConfig): CanonicalTransform | null {
  const { request, response } = event.Records[0].cf;
  if (response.status !== '404' || !config.fallback || (request.method !== 'GET' && request.method !== 'HEAD')) return null;
  return parseCanonical(request.querystring || '', config);
}

/** Which transform this response calls for, or why it passes through. */
export function decide(event: CloudFrontResponseEvent, config: ResizerConfig): CanonicalTransform | string {
  const { request, response } = event.Records[0].cf;
  // A part of the original (a viewer's Range reached S3) stands for the whole object here: the
  // resizer reads the whole original itself and answers the whole variant.
  if (response.status !== '200' && !isPartial(response)) return `origin status ${response.status}`;
  if (request.method !== 'GET' && request.method !== 'HEAD') return `method ${request.method}`;
  const transform = parseCanonical(request.querystring || '', config);
  if (!transform) return request.querystring ? 'query not canonical' : 'bare url';
  const type = (header(response, 'content-type') || '').split(';')[0].trim().toLowerCase();
  if (SOURCE_TYPES.indexOf(type) < 0) return `content-type ${type || 'missing'}`;
  return transform;
}

/**
 * A partial answer from S3: a viewer's Range reached the origin (CloudFront forwards it on a miss:
 * Developer Guide, "How CloudFront processes partial requests for an object (range GETs)").
 */
function isPartial(response: CloudFrontResponse): boolean {
  return response.status === '206' || header(response, 'content-range') !== undefined;
}

/**
 * Under a transform key a part of the original must never pass through: CloudFront would serve
 * and cache it as (a part of) the variant. Where no whole variant can be made, the answer is a
 * 416 that is not stored (CloudFront caches no 416), so the next whole request resizes.
 */
function partialRefusal(log: LogLine): CloudFrontResultResponse {
  const answer = errorResponse(resizerError(416, 'partial_origin', 'a transformed image is served whole, never by Range; ask again without a Range header'), 'no-store');
  Object.assign(log, { outcome: 'rejected', status: 416, reason: `partial origin answer under a transform key (${log.reason || 'no variant'})` });
  return { status: '416', statusDescription: 'Range Not Satisfiable', headers: toLambdaHeaders(answer.headers), body: answer.body, bodyEncoding: 'text' };
}

/** The origin's answer as it is, unless it is a part of the original under a transform key. */
export function passThrough(invocation: Invocation): CloudFrontResultResponse {
  const { request, response } = invocation.event.Records[0].cf;
  return isPartial(response) && parseCanonical(request.querystring || '', invocation.config) ? partialRefusal(invocation.log) : response;
}
