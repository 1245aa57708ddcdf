// The one S3 reader: a GET signed with AWS Signature Version 4 by node's own crypto, over node's
// http(s) with keep-alive. It replaces @aws-sdk/client-s3 on the resizer's hot path, where
// loading the SDK cost more than loading sharp (docs/performance.md). The same code path reads
// AWS (virtual-hosted style) and an S3-compatible server such as s3rver (path style, `endpoint`).
// Signing follows "Authenticating Requests (AWS Signature Version 4)" of the S3 API reference:
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Temporary credentials (a Lambda function's role) come with a session token. */
  readonly sessionToken?: string;
}

export interface S3Object {
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
  /** Path-style endpoint of an S3-compatible server (s3rver); undefined means AWS. */
  readonly endpoint?: string;
}

export interface S3ReadOptions {
  readonly credentials: S3Credentials;
  /** Attempts, first included: 5xx answers and failures without an answer are retried, 4xx never. */
  readonly maxAttempts: number;
  /** Per attempt: to connect, and of socket silence once connected. */
  readonly timeouts?: { readonly connectionMs: number; readonly requestMs: number };
  /** Aborts every attempt (the invocation's deadline). */
  readonly signal?: AbortSignal;
  /** A 2xx body longer than this is refused with `tooLarge(bytes)` before (or while) it is read. */
  readonly maxBytes?: number;
  readonly tooLarge?: (bytes: number) => Error;
  /** Extra request headers (signed), e.g. `range`. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * A 2xx answer resolves as soon as its status and headers arrive, with an empty body; the body
   * is not read (the connection is closed). Error bodies are still read: they carry S3's code.
   */
  readonly headersOnly?: boolean;
}

export interface S3Answer {
  readonly status: number;
  /** Lower-case names, as node gives them. */
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** An S3 answer other than 2xx, with S3's error code. */
export interface S3ReadError extends Error {
  readonly status: number;
  readonly code: string;
  readonly answer: S3Answer;
}

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/** RFC 3986 unreserved characters stay; everything else is percent-encoded (S3 keeps `/` in the path). */
function uriEncode(text: string, keepSlash: boolean): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(keepSlash ? /%2F/g : /$^/, '/');
}

/** The URL of an object: virtual-hosted on AWS (path style for bucket names with dots, which TLS names cannot cover), path style on an endpoint. */
export function objectUrl(object: S3Object): URL {
  const path = uriEncode(object.key, true);
  if (object.endpoint) return new URL(`${object.endpoint.replace(/\/+$/, '')}/${uriEncode(object.bucket, false)}/${path}`);
  if (object.bucket.indexOf('.') >= 0) return new URL(`https://s3.${object.region}.amazonaws.com/${object.bucket}/${path}`);
  return new URL(`https://${object.bucket}.s3.${object.region}.amazonaws.com/${path}`);
}

const signingKeys = new Map<string, Buffer>();

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The day's signing key, derived once per day, region and secret. */
function signingKey(secret: string, day: string, region: string): Buffer {
  const id = `${day} ${region} ${secret}`;
  let key = signingKeys.get(id);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), 's3'), 'aws4_request');
    if (signingKeys.size > 8) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

/** The headers of a SigV4-signed GET of `url` (empty payload), at `now`. */
export function signGet(url: URL, region: string, credentials: S3Credentials, now: Date, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-date': amzDate };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  for (const name of Object.keys(extra)) headers[name.toLowerCase()] = extra[name].trim();
  const names = Object.keys(headers).sort();
  const signedHeaders = names.join(';');
  // The path is already encoded once by objectUrl; S3 signs it as sent (no second encoding).
  const canonical = ['GET', url.pathname, '', names.map((name) => `${name}:${headers[name]}\n`).join(''), signedHeaders, headers['x-amz-content-sha256']].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical, 'utf8').digest('hex')].join('\n');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, region)).update(toSign, 'utf8').digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

/** A failure with no HTTP answer (refused, reset, timed out): worth another attempt. */
function transportError(message: string, cause?: unknown): Error {
  const error = new Error(message, { cause });
  error.name = 'S3TransportError';
  return error;
}

function readError(answer: S3Answer, object: S3Object): S3ReadError {
  const text = answer.body.toString('utf8');
  const code = (/<Code>([^<]*)<\/Code>/.exec(text) || [])[1] || `Http${answer.status}`;
  const message = (/<Message>([^<]*)<\/Message>/.exec(text) || [])[1] || '';
  const error = new Error(`S3 GET of ${object.key} answered ${answer.status} ${code}${message ? `: ${message}` : ''}`) as Error & { status: number; code: string; answer: S3Answer };
  error.name = 'S3ReadError';
  error.status = answer.status;
  error.code = code;
  error.answer = answer;
  return error;
}

/** S3's error bodies are small; a body read only to be discarded stops here. */
const ERROR_BODY_BYTES = 64 * 1024;

function attempt(object: S3Object, options: S3ReadOptions): Promise<S3Answer> {
  const url = objectUrl(object);
  const headers = signGet(url, object.region, options.credentials, new Date(), options.headers);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<S3Answer>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      request.destroy();
      reject(error);
    };
    const request = transport.request(url, { method: 'GET', headers, agent: url.protocol === 'https:' ? agents.https : agents.http, signal: options.signal }, (response) => {
      const status = response.statusCode || 0;
      const ok = status >= 200 && status < 300;
      const length = Number(response.headers['content-length']);
      const max = ok ? options.maxBytes : ERROR_BODY_BYTES;
      if (ok && max !== undefined && length > max) return fail(options.tooLarge ? options.tooLarge(length) : new Error(`object of ${length} bytes over ${max}`));
      if (ok && options.headersOnly) {
        settled = true;
        response.destroy();
        request.destroy();
        return resolve({ status, headers: response.headers, body: Buffer.alloc(0) });
      }
      // One buffer of the announced size, filled in place: originals can be tens of megabytes.
      let body = Number.isSafeInteger(length) && length >= 0 && (max === undefined || length <= max) ? Buffer.allocUnsafe(length) : null;
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        if (body && received + chunk.length <= body.length) chunk.copy(body, received);
        else if (!ok && received >= ERROR_BODY_BYTES) return;
        else {
          if (body) chunks.push(body.subarray(0, received));
          body = null;
          chunks.push(chunk);
        }
        received += chunk.length;
        if (ok && max !== undefined && received > max) fail(options.tooLarge ? options.tooLarge(received) : new Error(`object over ${max} bytes`));
      });
      response.on('end', () => {
        if (settled) return;
        if (body && received < body.length) return fail(transportError(`S3 GET of ${object.key}: the body ended after ${received} of ${body.length} bytes`));
        settled = true;
        resolve({ status, headers: response.headers, body: body || Buffer.concat(chunks) });
      });
      response.on('error', (error) => fail(transportError(`S3 GET of ${object.key}: ${error.message}`, error)));
    });
    request.on('error', (error) => fail(options.signal && options.signal.aborted ? (options.signal.reason instanceof Error ? options.signal.reason : error) : transportError(`S3 GET of ${object.key}: ${error.message}`, error)));
    if (options.timeouts) {
      const { connectionMs, requestMs } = options.timeouts;
      request.on('socket', (socket) => {
        // A kept-alive socket is already connected; a new one has `connectionMs` to connect.
        if (socket.connecting) {
          const timer = setTimeout(() => fail(transportError(`S3 GET of ${object.key}: no connection within ${connectionMs} ms`)), connectionMs);
          socket.once('connect', () => clearTimeout(timer));
          socket.once('close', () => clearTimeout(timer));
        }
      });
      request.setTimeout(requestMs, () => fail(transportError(`S3 GET of ${object.key}: no data for ${requestMs} ms`)));
    }
    request.end();
  });
}

/**
 * GETs an object. Resolves with any 2xx; a 4xx or a last 5xx rejects with an S3ReadError (S3's
 * status and error code), a failure without an answer with the transport's error, an abort with
 * the signal's reason.
 */
export async function s3Read(object: S3Object, options: S3ReadOptions): Promise<S3Answer> {
  for (let n = 1; ; n++) {
    try {
      const answer = await attempt(object, options);
      if (answer.status >= 200 && answer.status < 300) return answer;
      const error = readError(answer, object);
      if (answer.status < 500 || n >= options.maxAttempts) throw error;
    } catch (error) {
      const retryable = error instanceof Error && error.name === 'S3TransportError';
      if (!retryable || n >= options.maxAttempts || (options.signal && options.signal.aborted)) throw error;
    }
  }
}

/**
 * The credentials Lambda gives a function's role, from the reserved environment variables it
 * sets (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: "Defined runtime environment
 * variables", https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html; Lambda@Edge
 * supports no environment variables of its own but keeps these reserved ones, "Restrictions on
 * Lambda@Edge"). Undefined when they are not set.
 */
export function credentialsFromEnvironment(env: Readonly<Record<string, string | undefined>>): S3Credentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return env.AWS_SESSION_TOKEN ? { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN } : { accessKeyId, secretAccessKey };
}
