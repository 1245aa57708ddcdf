// The local edge's pipeline, as CloudFront runs a request: request in, response out.
//   behaviour → viewer-request function → cache lookup (the cache policy's key)
//   → on a miss, GET to the origin → origin-response function → store → response headers policy
// (a Range is forwarded on a miss and served from a whole cached object on a hit: ranges.ts)
// No sockets and no files: the cache, the origin, the functions and the clock are injected
// (edge.ts wires the real ones and frames HTTP), so every step can be driven directly.
import http from 'node:http';
import type { Config } from '../../shared/config';
import { MAX_REQUEST_HEADER_BYTES, MAX_URI_AND_QUERY_CHARS } from '../../shared/limits';
import { compressedPathPatterns, corsRule } from '../cdk/policies';
import { ttlSeconds, type EdgeCache, type StoredResponse } from './cache';
import { DEFAULT_ERROR_CACHING_SECONDS, type CacheKeyPolicy, type DistributionPolicies } from './distribution';
import { originResponseEvent, type DistributionInfo, type ViewerRequest } from './events';
import type { Invocation } from './functions';
import { cacheKey, forwardedQuery, matchesPathPattern, normalizedPath } from './routing';
import {
  checkOriginResponseResult, executionFailure, isFailure, timeoutFailure,
  type Failure, type PlainHeaders, type ViewerOutcome, type ViewerRuntime,
} from './rules';
import { servedRange } from './ranges';
import { s3ErrorAnswer, type OriginAnswer, type OriginGetOptions } from './s3-origin';
import { applyViewerHeaders, isOriginAllowed, isPreflight } from './viewer-headers';

/** A request as it reached the edge. */
export interface EdgeRequest {
  readonly method: string;
  /** The request target exactly as sent: path and query, still percent-encoded. */
  readonly target: string;
  /** Header names in the case the viewer sent them, in order. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly clientIp: string;
}

/** The answer as the viewer gets it: final status and headers (x-cache included), body empty for HEAD and 304. */
export interface EdgeResponse {
  readonly status: number;
  readonly statusDescription: string;
  readonly headers: PlainHeaders;
  readonly body: Buffer;
}

/** The viewer-request function, loaded: runs one request and reports the checked outcome. */
export interface ViewerFunction {
  readonly runtime: ViewerRuntime;
  run(request: ViewerRequest, distribution: DistributionInfo): Promise<ViewerOutcome>;
}

/** The origin-response function: one invocation, reported rather than thrown. */
export interface OriginFunction {
  invoke(event: unknown, timeoutMs: number): Promise<Invocation>;
}

export interface Origin {
  /** What the origin-response event names as the S3 origin. */
  readonly domainName: string;
  readonly region: string;
  get(uri: string, options?: OriginGetOptions): Promise<OriginAnswer>;
}

export interface PipelineParts {
  readonly config: Config;
  readonly policies: DistributionPolicies;
  readonly viewerFunction: ViewerFunction;
  readonly originFunction: OriginFunction;
  readonly originTimeoutMs: number;
  readonly origin: Origin;
  readonly cache: EdgeCache;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** CloudFront's x-amz-cf-id for one request. */
  readonly requestId: () => string;
  readonly domainName: string;
  /** One line per broken rule or origin error. */
  readonly log: (line: string) => void;
}

export interface Pipeline {
  handle(request: EdgeRequest): Promise<EdgeResponse>;
  /** When the HTTP layer cannot send a response's headers (Node refuses them; CloudFront would have too). */
  unframeable(request: EdgeRequest, message: string): EdgeResponse;
}

interface Behavior {
  /** Whether the origin-response function (the resizer) runs. */
  readonly resizes: boolean;
  readonly cachePolicy: CacheKeyPolicy;
}

/**
 * The distribution's behaviours in CloudFront's order, as the CDK app builds them: for each
 * configured pattern, first its compressible originals (`dev/*.svg`: no resizer,
 * CachingOptimized), then the pattern itself; the default behaviour last (no resizer,
 * CachingOptimized). The viewer-request function (the normalizer) runs on every one of them.
 */
export function behaviorFor(path: string, config: Config, policies: DistributionPolicies): Behavior {
  for (const pattern of config.behaviors) {
    if (compressedPathPatterns(pattern).some((compressed) => matchesPathPattern(path, compressed))) {
      return { resizes: false, cachePolicy: policies.defaultCache };
    }
    if (matchesPathPattern(path, pattern)) return { resizes: true, cachePolicy: policies.variantCache };
  }
  return { resizes: false, cachePolicy: policies.defaultCache };
}

/** What the pipeline decided, before the response headers policy and framing. */
export interface Answer {
  readonly status: number;
  readonly statusDescription: string;
  readonly headers: PlainHeaders;
  readonly body: Buffer;
  readonly xCache: string;
  readonly ageSeconds?: number;
}

function escapeHtml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const FAILURE_SUMMARIES: Record<string, string> = {
  LambdaValidationError: 'The Lambda function result failed validation.',
  FunctionValidationError: 'The CloudFront function result failed validation.',
  LambdaExecutionError: 'The Lambda function associated with the CloudFront distribution is invalid or doesn\'t have the required permissions.',
  FunctionExecutionError: 'The CloudFront function associated with the CloudFront distribution had an execution error.',
  LambdaLimitExceeded: 'The Lambda function associated with the CloudFront distribution was throttled or timed out.',
  FunctionThrottledError: 'The CloudFront function associated with the CloudFront distribution exceeded its compute limit.',
};

/** CloudFront's own error page: its summary, and a line saying what the local edge saw (CloudFront gives none). */
export function errorPage(status: number, summary: string, detail: string, xCache: string, requestId: string): Answer {
  const body = Buffer.from(`<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">
<TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>
<H1>${status} ERROR</H1><H2>The request could not be satisfied.</H2><HR noshade size="1px">
${escapeHtml(summary)}
<BR clear="all">Local edge: ${escapeHtml(detail)}
<BR clear="all"><HR noshade size="1px"><PRE>Generated by cloudfront (CloudFront)
Request ID: ${requestId}</PRE></BODY></HTML>
`);
  return {
    status, statusDescription: http.STATUS_CODES[status] || '', body,
    headers: { 'content-type': ['text/html'], server: ['CloudFront'] },
    xCache,
  };
}

/** The page for a broken function rule, naming the rule. */
export function failurePage(failure: Failure, requestId: string): Answer {
  const summary = FAILURE_SUMMARIES[failure.errorType] || failure.errorType;
  return errorPage(failure.status, summary, `rule ${failure.rule}: ${failure.message}`, `${failure.errorType} from cloudfront`, requestId);
}

/** Bytes of the request line and header lines as sent, which CloudFront's request-size quota counts. */
export function requestHeadBytes(request: EdgeRequest): number {
  let bytes = Buffer.byteLength(`${request.method} ${request.target} HTTP/1.1\r\n`, 'latin1');
  for (const [name, value] of request.headers) bytes += Buffer.byteLength(`${name}: ${value}\r\n`, 'latin1');
  return bytes;
}

/**
 * What CloudFront refuses before any function runs: a URL of 8,192 characters or more (414), a
 * request line plus headers over 20,480 bytes (413, what CloudFront is reported to answer).
 */
export function refusedAtTheEdge(request: EdgeRequest, requestId: string): Answer | null {
  if (request.target.length >= MAX_URI_AND_QUERY_CHARS) {
    return errorPage(414, 'Bad request. We can\'t connect to the server for this app or website at this time.', `the URL is ${request.target.length} characters; CloudFront's limit is less than ${MAX_URI_AND_QUERY_CHARS}`, 'Error from cloudfront', requestId);
  }
  const bytes = requestHeadBytes(request);
  if (bytes > MAX_REQUEST_HEADER_BYTES) {
    return errorPage(413, 'Bad request. We can\'t connect to the server for this app or website at this time.', `the request line and headers are ${bytes} bytes; CloudFront's limit is ${MAX_REQUEST_HEADER_BYTES}`, 'Error from cloudfront', requestId);
  }
  return null;
}

export function plainAnswer(status: number, text: string, xCache: string): Answer {
  return { status, statusDescription: http.STATUS_CODES[status] || '', headers: { 'content-type': ['text/plain; charset=utf-8'], server: ['CloudFront'] }, body: Buffer.from(text + '\n'), xCache };
}

function header(headers: PlainHeaders, name: string): string | undefined {
  const list = headers[name];
  return list && list.length ? list.join(', ') : undefined;
}

/** The viewer's headers by lower-case name, every value kept. */
export function requestHeaders(request: EdgeRequest): PlainHeaders {
  const out: PlainHeaders = Object.create(null);
  for (const [name, value] of request.headers) (out[name.toLowerCase()] ||= []).push(value);
  return out;
}

/** RFC 9110 If-None-Match: weak comparison, `*` matches any current representation. */
function matchesIfNoneMatch(ifNoneMatch: string, etag: string | undefined): boolean {
  if (!etag) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag));
}

/** RFC 9110 If-Modified-Since: not modified when Last-Modified is at or before the date given. */
function notModifiedSince(ifModifiedSince: string | undefined, lastModified: string | undefined): boolean {
  if (!ifModifiedSince || !lastModified) return false;
  const since = Date.parse(ifModifiedSince);
  const modified = Date.parse(lastModified);
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}

/** Headers a 304 carries from the full response. */
const NOT_MODIFIED_HEADERS = ['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary', 'last-modified'];

function reportFailure(log: (line: string) => void, failure: Failure, event: string, url: string): void {
  log(`${failure.errorType} (${failure.status}) in the ${event} function for ${url}: ${failure.message} [rule: ${failure.rule}]`);
}

export function createPipeline(parts: PipelineParts): Pipeline {
  const { config, policies, cache, log } = parts;
  const inFlight = new Map<string, Promise<StoredResponse | Failure>>();

  async function fetchFromOrigin(method: string, uri: string, forwarded: string, behavior: Behavior, clientIp: string, distribution: DistributionInfo, range: string | undefined): Promise<StoredResponse | Failure> {
    // On a miss CloudFront forwards the viewer's Range to the origin (it may widen it; this does not).
    const ranged = range === undefined ? {} : { range };
    if (!behavior.resizes) return parts.origin.get(uri, ranged);
    // The origin-response function gets the origin's status and headers, never its body
    // (CloudFront keeps the body to pass it through). This one process plays every CloudFront
    // server at once, so it reads no 2xx body before the function has run: the resizer reads the
    // original itself, in its own instance, and concurrent misses of a big original hold no copy
    // of it here (docs/local-edge.md, "Big sources under concurrency").
    const answer = await parts.origin.get(uri, { ...ranged, headersOnly: true });
    const event = originResponseEvent({ method, uri, querystring: forwarded, clientIp, origin: parts.origin, response: answer, range }, distribution);
    const invocation = await parts.originFunction.invoke(event, parts.originTimeoutMs);
    if (invocation.outcome === 'timeout') return timeoutFailure('lambda-edge', parts.originTimeoutMs);
    if (invocation.outcome === 'error') return executionFailure('lambda-edge', invocation.error);
    const checked = checkOriginResponseResult(event.Records[0].cf.response, invocation.result);
    if (isFailure(checked)) return checked;
    const body = checked.body || await passedThroughBody(uri, ranged, answer);
    return { status: checked.status, statusDescription: checked.statusDescription, headers: checked.headers, body };
  }

  /**
   * The origin's body, when the function passed it through: read now, with If-Match the ETag the
   * function saw (S3 answers 412 otherwise; s3rver ignores it, so the ETag is compared here too),
   * so it is the same object: an original replaced in between is an origin error, logged, rather
   * than new bytes under the old headers.
   */
  async function passedThroughBody(uri: string, ranged: { readonly range?: string }, answer: OriginAnswer): Promise<Buffer> {
    if (answer.status < 200 || answer.status >= 300) return answer.body;
    const etag = header(answer.headers, 'etag');
    const full = await parts.origin.get(uri, etag === undefined ? ranged : { ...ranged, ifMatch: etag });
    if (full.status !== answer.status || header(full.headers, 'etag') !== etag) {
      throw new Error(`the original changed while the function ran: its body was read again and S3 answered ${full.status} ${header(full.headers, 'etag')} instead of ${answer.status} ${etag}`);
    }
    return full.body;
  }

  /**
   * OPTIONS goes to S3 (the CDK app forwards Origin and Access-Control-Request-* for it), which
   * answers from the bucket's CORS rule: the configured origins, or 403. The local edge answers
   * the same way itself; the response headers policy then adds the CORS headers.
   */
  function preflightAnswer(headers: PlainHeaders, uri: string): Answer {
    const origin = header(headers, 'origin');
    if (!isPreflight('OPTIONS', origin, header(headers, 'access-control-request-method'))) {
      return { ...s3ErrorAnswer(400, 'BadRequest', 'Insufficient information. Origin request header needed.', uri), xCache: 'Error from cloudfront' };
    }
    // S3 matches the bucket's CORS rule on the origin and on the method asked for.
    const rule = corsRule(config);
    const requested = header(headers, 'access-control-request-method')!;
    if (!isOriginAllowed(origin!, rule.allowedOrigins) || (rule.allowedMethods as string[]).indexOf(requested) < 0) {
      return { ...s3ErrorAnswer(403, 'AccessForbidden', 'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.', uri), xCache: 'Error from cloudfront' };
    }
    return { status: 200, statusDescription: 'OK', headers: {}, body: Buffer.alloc(0), xCache: 'Miss from cloudfront' };
  }

  async function serve(request: EdgeRequest, headers: PlainHeaders, requestId: string): Promise<Answer> {
    const { method, target: url, clientIp } = request;
    const queryAt = url.indexOf('?');
    const uri = queryAt < 0 ? url : url.slice(0, queryAt);
    const querystring = queryAt < 0 ? '' : url.slice(queryAt + 1);
    const distribution: DistributionInfo = { domainName: header(headers, 'host') || parts.domainName, id: 'ELOCALEDGE', requestId };

    if (method === 'OPTIONS') return preflightAnswer(headers, uri);
    if (method !== 'GET' && method !== 'HEAD') return plainAnswer(403, 'This distribution is not configured to allow the HTTP request method that was used for this request.', 'Error from cloudfront');

    const behavior = behaviorFor(normalizedPath(uri), config, policies);
    // Every behaviour runs the viewer function; the cache key reads the request as it left it.
    const outcome = await parts.viewerFunction.run({ method, uri, querystring, hasQuery: queryAt >= 0, headers: request.headers, clientIp }, distribution);
    if (isFailure(outcome)) {
      reportFailure(log, outcome, 'viewer-request', url);
      return failurePage(outcome, requestId);
    }
    if (outcome.kind === 'response') {
      const kind = parts.viewerFunction.runtime === 'cloudfront-function' ? 'FunctionGeneratedResponse' : 'LambdaGeneratedResponse';
      return { ...outcome.response, body: outcome.response.body || Buffer.alloc(0), xCache: `${kind} from cloudfront` };
    }
    const forwardUri = outcome.request.uri;
    const forwardQuery = outcome.request.querystring;
    const keyHeaders = outcome.request.headers;

    const forwarded = forwardedQuery(forwardQuery, behavior.cachePolicy.queryAllowlist);
    const key = cacheKey(forwardUri, forwarded, behavior.cachePolicy, header(keyHeaders, 'accept-encoding'));
    // Range GETs (ranges.ts): the Range as the viewer function left it; GET only.
    const range = method === 'GET' ? header(keyHeaders, 'range') : undefined;
    const hit = cache.get(key, parts.now());
    if (hit) {
      const xCache = hit.response.status >= 400 ? 'Error from cloudfront' : 'Hit from cloudfront';
      return { ...servedRange(hit.response, range, header(keyHeaders, 'if-range')), xCache, ageSeconds: hit.ageSeconds };
    }
    // A part cached by an earlier miss with the same Range: the local edge serves a cached part
    // only for the same Range (CloudFront may assemble more); a whole request never gets one.
    const partKey = range === undefined ? undefined : `${key} range:${range}`;
    const part = partKey === undefined ? undefined : cache.get(partKey, parts.now());
    if (part) return { ...part.response, xCache: 'Hit from cloudfront', ageSeconds: part.ageSeconds };

    // Concurrent misses for one key (and Range) wait for one origin fetch, as CloudFront collapses them.
    const flightKey = partKey || key;
    let pending = inFlight.get(flightKey);
    if (!pending) {
      pending = fetchFromOrigin(method, forwardUri, forwarded, behavior, clientIp, distribution, range).then((result) => {
        if (!isFailure(result)) {
          const freshness = { cacheControl: header(result.headers, 'cache-control'), expires: header(result.headers, 'expires') };
          const errorTtl = policies.errorCachingSeconds[result.status] ?? DEFAULT_ERROR_CACHING_SECONDS;
          const ttl = ttlSeconds(result.status, freshness, behavior.cachePolicy, errorTtl, parts.now());
          // "CloudFront serves the requested range and also caches it"; a whole answer to a ranged miss is the object.
          cache.put(result.status === 206 && partKey !== undefined ? partKey : key, result, ttl, parts.now());
        }
        return result;
      });
      inFlight.set(flightKey, pending);
      pending.finally(() => inFlight.delete(flightKey)).catch(() => undefined);
    }
    let result: StoredResponse | Failure;
    try {
      result = await pending;
    } catch (error) {
      log(`origin error for ${url}: ${error instanceof Error ? error.message : String(error)}`);
      return plainAnswer(502, 'CloudFront wasn\'t able to connect to the origin.', 'Error from cloudfront');
    }
    if (isFailure(result)) {
      reportFailure(log, result, 'origin-response', url);
      return failurePage(result, requestId);
    }
    return { ...result, xCache: result.status >= 400 ? 'Error from cloudfront' : 'Miss from cloudfront' };
  }

  /** Conditional requests, the response headers policy and CloudFront's own headers. */
  function finish(request: EdgeRequest, viewer: PlainHeaders, answer: Answer): EdgeResponse {
    let headers: PlainHeaders = Object.create(null);
    for (const name of Object.keys(answer.headers)) {
      // CloudFront frames the response itself.
      if (name === 'content-length' || name === 'transfer-encoding') continue;
      headers[name] = answer.headers[name];
    }
    let status = answer.status;
    let body = answer.body;
    const ifNoneMatch = header(viewer, 'if-none-match');
    // RFC 9110 13.1.3: If-Modified-Since only counts when there is no If-None-Match.
    const notModified = ifNoneMatch
      ? matchesIfNoneMatch(ifNoneMatch, header(headers, 'etag'))
      : notModifiedSince(header(viewer, 'if-modified-since'), header(headers, 'last-modified'));
    if (status === 200 && (request.method === 'GET' || request.method === 'HEAD') && notModified) {
      status = 304;
      body = Buffer.alloc(0);
      for (const name of Object.keys(headers)) if (NOT_MODIFIED_HEADERS.indexOf(name) < 0) delete headers[name];
    }
    const origin = header(viewer, 'origin');
    const preflight = isPreflight(request.method, origin, header(viewer, 'access-control-request-method'));
    headers = applyViewerHeaders(headers, policies.viewerHeaders, { origin, preflight });
    headers['x-cache'] = [answer.xCache];
    if (answer.ageSeconds !== undefined) headers.age = [String(answer.ageSeconds)];
    headers.via = ['1.1 local-edge.cloudfront.net (CloudFront)'];
    headers['x-amz-cf-pop'] = ['LOCAL1'];
    if (status !== 304) headers['content-length'] = [String(body.length)];
    return {
      status,
      statusDescription: status === answer.status ? answer.statusDescription : http.STATUS_CODES[status] || '',
      headers,
      body: request.method === 'HEAD' || status === 304 ? Buffer.alloc(0) : body,
    };
  }

  return {
    async handle(request) {
      const viewer = requestHeaders(request);
      const requestId = parts.requestId();
      let answer: Answer;
      try {
        answer = refusedAtTheEdge(request, requestId) || await serve(request, viewer, requestId);
      } catch (error) {
        log(`local edge error for ${request.target}: ${error instanceof Error ? error.stack || error.message : String(error)}`);
        answer = plainAnswer(500, 'local edge error: ' + (error instanceof Error ? error.message : String(error)), 'Error from cloudfront');
      }
      return finish(request, viewer, answer);
    },
    unframeable(request, message) {
      const failure: Failure = { failed: true, status: 502, errorType: 'LambdaValidationError', rule: 'header-shape', message };
      reportFailure(log, failure, 'response', request.target);
      return finish(request, requestHeaders(request), failurePage(failure, parts.requestId()));
    },
  };
}
