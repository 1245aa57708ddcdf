// The local edge: the HTTP layer over the pipeline CloudFront runs (pipeline.ts). It loads the
// built bundles, wires the real cache, S3 origin and functions into the pipeline, and frames
// requests and responses; nothing about CloudFront's behaviour is decided here.
// The cache policy, response headers policy and error caching are the CDK app's own
// (distribution.ts). Every function result is checked against CloudFront's rules (rules.ts);
// a broken rule is answered with the status CloudFront would give and logged with its name.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../shared/config';
import { EdgeCache } from './cache';
import { distributionPolicies, type DistributionPolicies } from './distribution';
import {
  loadCloudFrontFunction, loadCloudFrontFunctionFile, loadLambdaBundle,
  type KeyValueStoreData, type LambdaHandler,
} from './functions';
import { closeServer, listen } from './listen';
import { formatMetrics, MetricsSummary, parseResizerLog, type MetricsSnapshot } from './metrics';
import { createPipeline, errorPage, type EdgeRequest, type EdgeResponse, type OriginFunction, type ViewerFunction } from './pipeline';
import type { ViewerRuntime } from './rules';
import { cloudFrontFunctionRunner, inProcessOriginRunner, lambdaViewerRunner } from './runners';
import { createResizerPool, type PoolStats } from './resizer-pool';
import { createS3Origin, type S3OriginOptions } from './s3-origin';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Viewer-event functions may run 5 s ("Quotas on Lambda@Edge"). */
export const VIEWER_FUNCTION_TIMEOUT_MS = 5000;

export interface EdgeFunctions {
  /** Lambda@Edge viewer-request handler (viewerRuntime 'lambda-edge'). Default: dist/normalize/index.js. */
  readonly viewerRequest?: LambdaHandler;
  /** CloudFront Functions script source (viewerRuntime 'cloudfront-function'). Default: dist/normalize-cff/index.js. */
  readonly cloudFrontFunctionSource?: string;
  /** Lambda@Edge origin-response handler, run in this process. Default: dist/resize/index.js in a pool of instances. */
  readonly originResponse?: LambdaHandler;
}

/** The resizer's instances (resizer-pool.ts). */
export interface PoolOptions {
  /** Default: one per core, within the machine's memory at deploy.resizeMemoryMb each. */
  readonly size?: number;
  /** An idle instance stops after this long. Default 30 s. */
  readonly idleMs?: number;
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
  /**
   * The data of the CloudFront KeyValueStore associated with the CloudFront Function (signing
   * keys, for example); the script reads it through the `cloudfront` module's kvs().
   */
  readonly keyValueStore?: KeyValueStoreData;
  /** Default: 5 s for the viewer function, deploy.resizeTimeoutSeconds for the origin one. */
  readonly timeouts?: { readonly viewerMs?: number; readonly originMs?: number };
  /** Default: built from the CDK app's policy definitions for `config`. */
  readonly policies?: DistributionPolicies;
  /** Where the built bundles are. Default: the repository's dist/. */
  readonly distDir?: string;
  readonly pool?: PoolOptions;
  /** One line per request, per resizer invocation (its metrics) and per broken rule. Default: console.log. */
  readonly log?: (line: string) => void;
  /** Default: Date.now. */
  readonly now?: () => number;
}

export interface LocalEdge {
  readonly url: string;
  readonly port: number;
  /** Requests, hit rate, variants made and stage times since the start. */
  metrics(): MetricsSnapshot;
  /** The resizer's instances now; undefined when the origin function was passed in. */
  pool(): PoolStats | undefined;
  close(): Promise<void>;
}

function requireFile(file: string): string {
  if (!existsSync(file)) throw new Error(`${path.relative(root, file) || file} is missing: run npm run build`);
  return file;
}

function loadViewerFunction(options: LocalEdgeOptions, runtime: ViewerRuntime, distDir: string, timeoutMs: number): ViewerFunction {
  if (runtime === 'cloudfront-function') {
    const loaded = options.functions?.cloudFrontFunctionSource !== undefined
      ? loadCloudFrontFunction(options.functions.cloudFrontFunctionSource, undefined, options.keyValueStore)
      : loadCloudFrontFunctionFile(requireFile(path.join(distDir, 'normalize-cff/index.js')), options.keyValueStore);
    return cloudFrontFunctionRunner(loaded, timeoutMs);
  }
  return lambdaViewerRunner(options.functions?.viewerRequest || loadLambdaBundle(requireFile(path.join(distDir, 'normalize/index.js'))), timeoutMs);
}

/**
 * The built resizer, run as Lambda runs it: a pool of instances, each given this edge's S3
 * (endpoint, bucket, credentials passed to the bundle's handlerFor) and the configured memory.
 */
function loadOriginFunction(options: LocalEdgeOptions, distDir: string, onLog: (line: string) => void): OriginFunction & { close?(): Promise<void>; stats?(): PoolStats } {
  if (options.functions?.originResponse) return inProcessOriginRunner(options.functions.originResponse);
  const { endpoint, bucket, credentials } = options.s3;
  return createResizerPool({
    bundle: requireFile(path.join(distDir, 'resize/index.js')),
    s3: { endpoint, bucket, credentials },
    memoryMb: options.config.deploy.resizeMemoryMb,
    size: options.pool?.size,
    idleMs: options.pool?.idleMs,
    onLog,
  });
}

/** `scheme://authority` of an absolute-form request target (RFC 9112 §3.2.2). */
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/**
 * The origin form of a request target: an absolute-form target (`GET http://host/a.jpg?w=10`)
 * is its path and query, as CloudFront and every origin server take it, never an S3 key.
 */
export function originForm(target: string): string {
  const authority = ABSOLUTE_FORM.exec(target);
  if (!authority) return target;
  const rest = target.slice(authority[0].length);
  return rest === '' || rest[0] !== '/' ? '/' + rest : rest;
}

function edgeRequest(req: http.IncomingMessage): EdgeRequest {
  const headers: Array<[string, string]> = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
  return { method: req.method || 'GET', target: originForm(req.url || '/'), headers, clientIp: (req.socket.remoteAddress || '127.0.0.1').replace(/^::ffff:/, '') };
}

/** Node's own header limit, above CloudFront's 20,480 bytes so that the pipeline answers those requests as CloudFront does. */
const NODE_MAX_HEADER_BYTES = 64 * 1024;

/** A response written straight to a socket: for what never becomes an http.ServerResponse (CONNECT, unparseable requests). */
function writeRaw(socket: Duplex, response: EdgeResponse): void {
  if (!socket.writable) return;
  const lines = [`HTTP/1.1 ${response.status} ${response.statusDescription || http.STATUS_CODES[response.status] || ''}`];
  for (const name of Object.keys(response.headers)) for (const value of response.headers[name]) lines.push(`${name}: ${value}`);
  lines.push('connection: close');
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), response.body]));
}

/** Why Node's parser refused a request, as the status CloudFront gives such a request. */
function clientErrorStatus(error: NodeJS.ErrnoException): number {
  return error.code === 'HPE_HEADER_OVERFLOW' ? 413 : 400;
}

function send(res: http.ServerResponse, response: EdgeResponse): void {
  for (const name of Object.keys(response.headers)) {
    const values = response.headers[name];
    res.setHeader(name, values.length === 1 ? values[0] : values);
  }
  res.writeHead(response.status, response.statusDescription || undefined);
  res.end(response.body.length ? response.body : undefined);
}

export async function createLocalEdge(options: LocalEdgeOptions): Promise<LocalEdge> {
  const { config } = options;
  const distDir = options.distDir || path.join(root, 'dist');
  const runtime: ViewerRuntime = options.viewerRuntime || config.deploy.normalizer;
  const log = options.log || ((line: string) => console.log(line));
  const summary = new MetricsSummary();
  const onResizerLog = (line: string) => {
    const metrics = parseResizerLog(line);
    if (!metrics) return log(line);
    summary.recordResizer(metrics);
    log(formatMetrics(metrics));
  };
  const originFunction = loadOriginFunction(options, distDir, onResizerLog);
  const origin = createS3Origin(options.s3);
  const pipeline = createPipeline({
    config,
    policies: options.policies || distributionPolicies(config),
    viewerFunction: loadViewerFunction(options, runtime, distDir, options.timeouts?.viewerMs ?? VIEWER_FUNCTION_TIMEOUT_MS),
    originFunction,
    originTimeoutMs: options.timeouts?.originMs ?? config.deploy.resizeTimeoutSeconds * 1000,
    origin,
    cache: new EdgeCache(),
    now: options.now || Date.now,
    requestId: () => randomBytes(42).toString('base64url').slice(0, 56),
    domainName: 'localhost',
    log,
  });

  const server = http.createServer({ maxHeaderSize: NODE_MAX_HEADER_BYTES }, (req, res) => {
    const started = performance.now();
    const request = edgeRequest(req);
    pipeline.handle(request).then((response) => {
      let sent = response;
      try {
        send(res, response);
      } catch (error) {
        if (!res.headersSent) {
          for (const name of res.getHeaderNames()) res.removeHeader(name);
          sent = pipeline.unframeable(request, (error as Error).message);
          send(res, sent);
        }
      }
      summary.recordRequest(sent.headers['x-cache']?.[0]);
      log(`${request.method} ${request.target} ${sent.status} ${sent.headers['x-cache']} ${Math.round(performance.now() - started)}ms`);
    });
  });

  // CONNECT is a method like any other to CloudFront: not allowed, 403, never a dropped socket.
  server.on('connect', (req: http.IncomingMessage, socket: Duplex) => {
    const request = edgeRequest(req);
    pipeline.handle(request).then((response) => {
      writeRaw(socket, response);
      log(`${request.method} ${request.target} ${response.status} ${response.headers['x-cache']}`);
    });
  });
  // A request Node cannot parse (a raw control character, headers past Node's own limit): the
  // answer CloudFront gives a malformed or oversized request, with its headers, not a bare close.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const status = clientErrorStatus(error);
    const page = errorPage(status, 'Bad request. We can\'t connect to the server for this app or website at this time.', `the request could not be parsed (${error.code || error.message})`, 'Error from cloudfront', 'n/a');
    writeRaw(socket, { status, statusDescription: page.statusDescription, body: page.body, headers: { ...page.headers, 'x-cache': [page.xCache], 'content-length': [String(page.body.length)] } });
    log(`unparseable request: ${status} (${error.code || error.message})`);
  });

  let port: number;
  try {
    port = await listen(server, options.port ?? 3000, options.host || '127.0.0.1');
  } catch (error) {
    origin.close();
    await originFunction.close?.();
    throw error;
  }

  return {
    url: `http://localhost:${port}`,
    port,
    metrics: () => summary.snapshot(),
    pool: () => originFunction.stats?.(),
    close: async () => {
      origin.close();
      await closeServer(server);
      await originFunction.close?.();
    },
  };
}
