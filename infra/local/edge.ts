// The local edge: an HTTP server that runs a request through the pipeline CloudFront runs.
//   behaviour → viewer-request function → cache lookup (path + cache-key parameters)
//   → on a miss, GET to S3 → origin-response function → store → response headers policy
// The cache policy, response headers policy and error caching are the CDK app's own
// (distribution.ts). Every function result is checked against CloudFront's rules (rules.ts);
// a broken rule is answered with the status CloudFront would give and logged with its name.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../shared/config';
import { EdgeCache, ttlSeconds, type StoredResponse } from './cache';
import { DEFAULT_ERROR_CACHING_SECONDS, distributionPolicies, type CacheTtls, type DistributionPolicies } from './distribution';
import { cffViewerRequestEvent, lambdaViewerRequestEvent, originResponseEvent, type DistributionInfo, type ViewerRequest } from './events';
import {
  invokeCloudFrontFunction, invokeLambda, loadCloudFrontFunction, loadCloudFrontFunctionFile, loadLambdaBundle,
  type Invocation, type KeyValueStoreData, type LambdaHandler,
} from './functions';
import { closeServer, listen } from './listen';
import { cacheKey, forwardedQuery, matchingBehavior } from './routing';
import {
  checkCffViewerRequestResult, checkOriginResponseResult, checkViewerRequestResult, executionFailure, isFailure, timeoutFailure,
  type Failure, type PlainHeaders, type ViewerRuntime,
} from './rules';
import { createS3Origin, s3ErrorAnswer, type OriginAnswer, type S3OriginOptions } from './s3-origin';
import { applyViewerHeaders, isOriginAllowed, isPreflight } from './viewer-headers';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Viewer-event functions may run 5 s ("Quotas on Lambda@Edge"). */
export const VIEWER_FUNCTION_TIMEOUT_MS = 5000;

export interface EdgeFunctions {
  /** Lambda@Edge viewer-request handler (viewerRuntime 'lambda-edge'). Default: dist/normalize/index.js. */
  readonly viewerRequest?: LambdaHandler;
  /** CloudFront Functions script source (viewerRuntime 'cloudfront-function'). Default: dist/normalize-cff/index.js. */
  readonly cloudFrontFunctionSource?: string;
  /** Lambda@Edge origin-response handler. Default: dist/resize/index.js. */
  readonly originResponse?: LambdaHandler;
}

export interface LocalEdgeOptions {
  readonly config: Config;
  readonly s3: S3OriginOptions;
  /** 0 picks a free port. Default 3000. */
  readonly port?: number;
  /** Default 127.0.0.1: the edge is for this machine only. */
  readonly host?: string;
  /** Default: the config's deploy.normalizer, what the CDK app deploys. */
  readonly viewerRuntime?: ViewerRuntime;
  readonly functions?: EdgeFunctions;
  /** Default: 5 s for the viewer function, deploy.resizeTimeoutSeconds for the origin one. */
  readonly timeouts?: { readonly viewerMs?: number; readonly originMs?: number };
  /** Default: built from the CDK app's policy definitions for `config`. */
  readonly policies?: DistributionPolicies;
  /** The CloudFront Function's KeyValueStore (signing keys). Default: empty. */
  readonly keyValueStore?: KeyValueStoreData;
  /** Where the built bundles are. Default: the repository's dist/. */
  readonly distDir?: string;
  /** One line per request and one per broken rule. Default: console.log. */
  readonly log?: (line: string) => void;
  /** The cache's clock, in ms since the epoch (tests move it instead of sleeping). Default: Date.now. */
  readonly now?: () => number;
}

export interface LocalEdge {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

interface Behavior {
  /** Whether the normalizer and the resizer run (a configured behaviour). */
  readonly resizes: boolean;
  readonly queryAllowlist: readonly string[];
  readonly ttls: CacheTtls;
}

interface Answer {
  readonly status: number;
  readonly statusDescription: string;
  readonly headers: PlainHeaders;
  readonly body: Buffer;
  readonly xCache: string;
  readonly ageSeconds?: number;
}

function requireFile(file: string): string {
  if (!existsSync(file)) throw new Error(`${path.relative(root, file) || file} is missing: run npm run build`);
  return file;
}

function loadViewerFunction(options: LocalEdgeOptions, runtime: ViewerRuntime, distDir: string) {
  if (runtime === 'cloudfront-function') {
    return options.functions?.cloudFrontFunctionSource !== undefined
      ? loadCloudFrontFunction(options.functions.cloudFrontFunctionSource, undefined, options.keyValueStore)
      : loadCloudFrontFunctionFile(requireFile(path.join(distDir, 'normalize-cff/index.js')), options.keyValueStore);
  }
  return options.functions?.viewerRequest || loadLambdaBundle(requireFile(path.join(distDir, 'normalize/index.js')));
}

function loadOriginFunction(options: LocalEdgeOptions, distDir: string): LambdaHandler {
  if (options.functions?.originResponse) return options.functions.originResponse;
  return loadLambdaBundle(requireFile(path.join(distDir, 'resize/index.js')), {
    RESIZER_S3_ENDPOINT: options.s3.endpoint,
    RESIZER_BUCKET: options.s3.bucket,
  });
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

/** CloudFront's own error page, with the broken rule spelled out (CloudFront does not, the local edge does). */
function failurePage(failure: Failure, requestId: string): Answer {
  const title = failure.status === 502 ? 'Bad Gateway' : 'Service Unavailable';
  const body = Buffer.from(`<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">
<TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>
<H1>${failure.status} ERROR</H1><H2>The request could not be satisfied.</H2><HR noshade size="1px">
${escapeHtml(FAILURE_SUMMARIES[failure.errorType] || failure.errorType)}
<BR clear="all">Local edge: rule ${escapeHtml(failure.rule)}: ${escapeHtml(failure.message)}
<BR clear="all"><HR noshade size="1px"><PRE>Generated by cloudfront (CloudFront)
Request ID: ${requestId}</PRE></BODY></HTML>
`);
  return {
    status: failure.status, statusDescription: title, body,
    headers: { 'content-type': ['text/html'], server: ['CloudFront'] },
    xCache: `${failure.errorType} from cloudfront`,
  };
}

function plainAnswer(status: number, text: string, xCache: string): Answer {
  return { status, statusDescription: http.STATUS_CODES[status] || '', headers: { 'content-type': ['text/plain; charset=utf-8'], server: ['CloudFront'] }, body: Buffer.from(text + '\n'), xCache };
}

function header(headers: PlainHeaders, name: string): string | undefined {
  const list = headers[name];
  return list && list.length ? list.join(', ') : undefined;
}

/** RFC 9110 If-None-Match: weak comparison, `*` matches any current representation. */
function matchesIfNoneMatch(ifNoneMatch: string, etag: string | undefined): boolean {
  if (!etag) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag));
}

/** Headers a 304 carries from the full response. */
const NOT_MODIFIED_HEADERS = ['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary', 'last-modified'];

export async function createLocalEdge(options: LocalEdgeOptions): Promise<LocalEdge> {
  const { config } = options;
  const distDir = options.distDir || path.join(root, 'dist');
  const runtime: ViewerRuntime = options.viewerRuntime || config.deploy.normalizer;
  const viewerTimeoutMs = options.timeouts?.viewerMs ?? VIEWER_FUNCTION_TIMEOUT_MS;
  const originTimeoutMs = options.timeouts?.originMs ?? config.deploy.resizeTimeoutSeconds * 1000;
  const policies = options.policies || distributionPolicies(config);
  const log = options.log || ((line: string) => console.log(line));
  const now = options.now || Date.now;

  if (options.s3.credentials) {
    // The resizer bundle builds its own S3 client from the environment, as it does in Lambda.
    process.env.AWS_ACCESS_KEY_ID = options.s3.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = options.s3.credentials.secretAccessKey;
    if (options.s3.credentials.sessionToken) process.env.AWS_SESSION_TOKEN = options.s3.credentials.sessionToken;
    else delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
  }
  const viewerFunction = loadViewerFunction(options, runtime, distDir);
  const originFunction = loadOriginFunction(options, distDir);
  const origin = createS3Origin(options.s3);
  const cache = new EdgeCache();
  const inFlight = new Map<string, Promise<StoredResponse | Failure>>();

  function reportFailure(failure: Failure, event: string, url: string): void {
    log(`${failure.errorType} (${failure.status}) in the ${event} function for ${url}: ${failure.message} [rule: ${failure.rule}]`);
  }

  async function runViewerFunction(request: ViewerRequest, distribution: DistributionInfo) {
    if (runtime === 'cloudfront-function') {
      const event = cffViewerRequestEvent(request, distribution);
      const rawQueryString = request.hasQuery === false ? undefined : request.querystring;
      const invocation = await invokeCloudFrontFunction(viewerFunction as ReturnType<typeof loadCloudFrontFunction>, event, viewerTimeoutMs, { rawQueryString });
      return checkInvocation(invocation, (result) => checkCffViewerRequestResult(event.request, result));
    }
    const event = lambdaViewerRequestEvent(request, distribution);
    const invocation = await invokeLambda(viewerFunction as LambdaHandler, 'normalize', event, viewerTimeoutMs);
    return checkInvocation(invocation, (result) => checkViewerRequestResult(event.Records[0].cf.request, result));

    function checkInvocation<T>(invocation: Invocation, check: (result: unknown) => T): T | Failure {
      if (invocation.outcome === 'timeout') return timeoutFailure(runtime, viewerTimeoutMs);
      if (invocation.outcome === 'error') return executionFailure(runtime, invocation.error);
      return check(invocation.result);
    }
  }

  async function fetchFromOrigin(method: string, uri: string, forwarded: string, behavior: Behavior, clientIp: string, distribution: DistributionInfo): Promise<StoredResponse | Failure> {
    const answer: OriginAnswer = await origin.get(uri);
    if (!behavior.resizes) return answer;
    const event = originResponseEvent({ method, uri, querystring: forwarded, clientIp, origin, response: answer }, distribution);
    const invocation = await invokeLambda(originFunction, 'resize', event, originTimeoutMs);
    if (invocation.outcome === 'timeout') return timeoutFailure('lambda-edge', originTimeoutMs);
    if (invocation.outcome === 'error') return executionFailure('lambda-edge', invocation.error);
    const checked = checkOriginResponseResult(event.Records[0].cf.response, invocation.result);
    if (isFailure(checked)) return checked;
    return { status: checked.status, statusDescription: checked.statusDescription, headers: checked.headers, body: checked.body || answer.body };
  }

  /**
   * OPTIONS goes to S3 (the CDK app forwards Origin and Access-Control-Request-* for it), which
   * answers from the bucket's CORS rule: the configured origins, or 403. The local edge answers
   * the same way itself; the response headers policy then adds the CORS headers.
   */
  function preflightAnswer(req: http.IncomingMessage, uri: string): Answer {
    const origin = req.headers.origin;
    const xCache = 'Miss from cloudfront';
    if (!isPreflight('OPTIONS', origin, req.headers['access-control-request-method'])) {
      return { ...s3ErrorAnswer(400, 'BadRequest', 'Insufficient information. Origin request header needed.', uri), xCache: 'Error from cloudfront' };
    }
    if (!isOriginAllowed(origin!, config.cors.allowedOrigins)) {
      return { ...s3ErrorAnswer(403, 'AccessForbidden', 'CORSResponse: This CORS request is not allowed.', uri), xCache: 'Error from cloudfront' };
    }
    return { status: 200, statusDescription: 'OK', headers: {}, body: Buffer.alloc(0), xCache };
  }

  async function serve(req: http.IncomingMessage, url: string): Promise<Answer> {
    const method = req.method || 'GET';
    const queryAt = url.indexOf('?');
    const uri = queryAt < 0 ? url : url.slice(0, queryAt);
    const querystring = queryAt < 0 ? '' : url.slice(queryAt + 1);
    const requestId = randomBytes(42).toString('base64url').slice(0, 56);
    const distribution: DistributionInfo = { domainName: req.headers.host || 'localhost', id: 'ELOCALEDGE', requestId };
    const clientIp = (req.socket.remoteAddress || '127.0.0.1').replace(/^::ffff:/, '');

    if (method === 'OPTIONS') return preflightAnswer(req, uri);
    if (method !== 'GET' && method !== 'HEAD') return plainAnswer(403, 'This distribution is not configured to allow the HTTP request method that was used for this request.', 'Error from cloudfront');

    const behavior: Behavior = matchingBehavior(uri, config.behaviors) === null
      ? { resizes: false, queryAllowlist: [], ttls: policies.defaultCache }
      : { resizes: true, queryAllowlist: policies.variantCache.queryAllowlist, ttls: policies.variantCache };
    let forwardUri = uri;
    let forwardQuery = querystring;
    if (behavior.resizes) {
      const headers: Array<[string, string]> = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
      const outcome = await runViewerFunction({ method, uri, querystring, hasQuery: queryAt >= 0, headers, clientIp }, distribution);
      if (isFailure(outcome)) {
        reportFailure(outcome, 'viewer-request', url);
        return failurePage(outcome, requestId);
      }
      if (outcome.kind === 'response') {
        const kind = runtime === 'cloudfront-function' ? 'FunctionGeneratedResponse' : 'LambdaGeneratedResponse';
        return { ...outcome.response, body: outcome.response.body || Buffer.alloc(0), xCache: `${kind} from cloudfront` };
      }
      forwardUri = outcome.request.uri;
      forwardQuery = outcome.request.querystring;
    }

    const forwarded = forwardedQuery(forwardQuery, behavior.queryAllowlist);
    const key = cacheKey(forwardUri, forwarded, behavior.queryAllowlist);
    const hit = cache.get(key, now());
    if (hit) {
      const xCache = hit.response.status >= 400 ? 'Error from cloudfront' : 'Hit from cloudfront';
      return { ...hit.response, xCache, ageSeconds: hit.ageSeconds };
    }

    // Concurrent misses for one key wait for one origin fetch, as CloudFront collapses them.
    let pending = inFlight.get(key);
    if (!pending) {
      pending = fetchFromOrigin(method, forwardUri, forwarded, behavior, clientIp, distribution).then((result) => {
        if (!isFailure(result)) {
          const freshness = { cacheControl: header(result.headers, 'cache-control'), expires: header(result.headers, 'expires') };
          const errorTtl = policies.errorCachingSeconds[result.status] ?? DEFAULT_ERROR_CACHING_SECONDS;
          const ttl = ttlSeconds(result.status, freshness, behavior.ttls, errorTtl, now());
          cache.put(key, result, ttl, now());
        }
        return result;
      });
      inFlight.set(key, pending);
      pending.finally(() => inFlight.delete(key)).catch(() => undefined);
    }
    let result: StoredResponse | Failure;
    try {
      result = await pending;
    } catch (error) {
      log(`origin error for ${url}: ${error instanceof Error ? error.message : String(error)}`);
      return plainAnswer(502, 'CloudFront wasn\'t able to connect to the origin.', 'Error from cloudfront');
    }
    if (isFailure(result)) {
      reportFailure(result, 'origin-response', url);
      return failurePage(result, requestId);
    }
    return { ...result, xCache: result.status >= 400 ? 'Error from cloudfront' : 'Miss from cloudfront' };
  }

  function send(req: http.IncomingMessage, res: http.ServerResponse, answer: Answer): number {
    let headers: PlainHeaders = {};
    for (const name of Object.keys(answer.headers)) {
      // CloudFront frames the response itself.
      if (name === 'content-length' || name === 'transfer-encoding') continue;
      headers[name] = answer.headers[name];
    }
    let status = answer.status;
    let body = answer.body;
    const ifNoneMatch = req.headers['if-none-match'];
    if (status === 200 && ifNoneMatch && matchesIfNoneMatch(ifNoneMatch, header(headers, 'etag'))) {
      status = 304;
      body = Buffer.alloc(0);
      for (const name of Object.keys(headers)) if (NOT_MODIFIED_HEADERS.indexOf(name) < 0) delete headers[name];
    }
    const method = req.method || 'GET';
    const origin = req.headers.origin;
    const preflight = isPreflight(method, origin, req.headers['access-control-request-method']);
    headers = applyViewerHeaders(headers, policies.viewerHeaders, { origin, preflight });
    headers['x-cache'] = [answer.xCache];
    if (answer.ageSeconds !== undefined) headers.age = [String(answer.ageSeconds)];
    headers.via = ['1.1 local-edge.cloudfront.net (CloudFront)'];
    headers['x-amz-cf-pop'] = ['LOCAL1'];
    if (status !== 304) headers['content-length'] = [String(body.length)];
    for (const name of Object.keys(headers)) res.setHeader(name, headers[name].length === 1 ? headers[name][0] : headers[name]);
    res.writeHead(status, status === answer.status ? answer.statusDescription || undefined : undefined);
    res.end(method === 'HEAD' ? undefined : body);
    return status;
  }

  const server = http.createServer((req, res) => {
    const started = performance.now();
    const url = req.url || '/';
    serve(req, url)
      .catch((error): Answer => {
        log(`local edge error for ${url}: ${error instanceof Error ? error.stack || error.message : String(error)}`);
        return plainAnswer(500, 'local edge error: ' + (error instanceof Error ? error.message : String(error)), 'Error from cloudfront');
      })
      .then((answer) => {
        let status = answer.status;
        try {
          status = send(req, res, answer);
        } catch (error) {
          // Node refuses some header values a function may produce; CloudFront would have too.
          const failure: Failure = { failed: true, status: 502, errorType: 'LambdaValidationError', rule: 'header-shape', message: (error as Error).message };
          reportFailure(failure, 'response', url);
          if (!res.headersSent) {
            for (const name of res.getHeaderNames()) res.removeHeader(name);
            status = send(req, res, failurePage(failure, 'n/a'));
          }
        }
        log(`${req.method} ${url} ${status} ${answer.xCache} ${Math.round(performance.now() - started)}ms`);
      });
  });

  let port: number;
  try {
    port = await listen(server, options.port ?? 3000, options.host || '127.0.0.1');
  } catch (error) {
    origin.close();
    throw error;
  }

  return {
    url: `http://localhost:${port}`,
    port,
    close: () => {
      origin.close();
      return closeServer(server);
    },
  };
}
