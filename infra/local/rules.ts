// What CloudFront checks in an edge function's result before using it, as pure functions: a
// result either passes (and comes out in one plain shape) or names the rule it broke and the
// status the viewer gets. The limits themselves live in shared/limits.ts.
//
// Statuses, per the CloudFront Developer Guide, "Troubleshooting error response status codes":
//   - "HTTP 502 status code (Lambda validation error)": the function's response was incorrectly
//     formed or had invalid content (too large, bad base64, a read-only or disallowed header).
//   - "HTTP 503 status code (function execution error)": the function threw or returned an error.
//   - "HTTP 503 status code (Lambda limit exceeded)": throttled, or the function timed out.
// CloudFront names these in x-cache ("LambdaExecutionError from cloudfront") and in the
// access log's x-edge-detailed-result-type; CloudFront Functions have their own names.
import type { CloudFrontRequest, CloudFrontResponse } from 'aws-lambda';
import { rawQuery, type CffRequest } from '../../functions/normalize/cloudfront-function';
import { dictionary } from './events';
import {
  generatedResponseBytes, isForbiddenHeader, MAX_URI_AND_QUERY_CHARS, ORIGIN_RESPONSE_LIMIT_BYTES,
  READ_ONLY_HEADERS, VIEWER_RESPONSE_LIMIT_BYTES, type EdgeHeaders,
} from '../../shared/limits';

export type ViewerRuntime = 'lambda-edge' | 'cloudfront-function';
export type EdgeEventType = keyof typeof READ_ONLY_HEADERS;

export type RuleName =
  | 'result-shape' | 'header-shape' | 'read-only-header' | 'forbidden-header' | 'status'
  | 'body-encoding' | 'base64-body' | 'response-size' | 'uri' | 'uri-and-query-length' | 'querystring'
  | 'function-error' | 'function-timeout';

export interface Failure {
  readonly failed: true;
  readonly status: 502 | 503;
  /** CloudFront's name for the failure (x-cache, x-edge-detailed-result-type). */
  readonly errorType: string;
  readonly rule: RuleName;
  readonly message: string;
}

/** Header lists by lower-case name. */
export type PlainHeaders = Record<string, string[]>;

export interface CheckedResponse {
  readonly status: number;
  readonly statusDescription: string;
  readonly headers: PlainHeaders;
  /** Undefined when an origin-response function kept the origin's body. */
  readonly body?: Buffer;
}

export interface CheckedRequest {
  readonly uri: string;
  /** Raw, still percent-encoded. */
  readonly querystring: string;
  readonly headers: PlainHeaders;
}

export type ViewerOutcome = { kind: 'request'; request: CheckedRequest } | { kind: 'response'; response: CheckedResponse } | Failure;

const ERROR_TYPES = {
  'lambda-edge': { validation: 'LambdaValidationError', execution: 'LambdaExecutionError', timeout: 'LambdaLimitExceeded' },
  'cloudfront-function': { validation: 'FunctionValidationError', execution: 'FunctionExecutionError', timeout: 'FunctionThrottledError' },
} as const;

function invalid(runtime: ViewerRuntime, rule: RuleName, message: string): Failure {
  return { failed: true, status: 502, errorType: ERROR_TYPES[runtime].validation, rule, message };
}

export function isFailure(value: unknown): value is Failure {
  return typeof value === 'object' && value !== null && (value as Failure).failed === true;
}

/** The function threw, rejected or passed an error to its callback. */
export function executionFailure(runtime: ViewerRuntime, error: unknown): Failure {
  // Errors thrown inside a vm context are not instances of this realm's Error.
  const known = typeof error === 'object' && error !== null && typeof (error as Error).message === 'string';
  const message = known ? `${(error as Error).name}: ${(error as Error).message}` : `non-Error thrown: ${String(error)}`;
  return { failed: true, status: 503, errorType: ERROR_TYPES[runtime].execution, rule: 'function-error', message: message.split('\n')[0] };
}

export function timeoutFailure(runtime: ViewerRuntime, timeoutMs: number): Failure {
  return { failed: true, status: 503, errorType: ERROR_TYPES[runtime].timeout, rule: 'function-timeout', message: `the function did not finish within ${timeoutMs} ms` };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// What Node (and HTTP/1.1) accepts in a field value: no control characters, one byte per character.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

function checkHeaderLine(name: string, value: unknown): string | null {
  if (!TOKEN.test(name)) return `header name ${JSON.stringify(name)} is not an HTTP token`;
  if (typeof value !== 'string') return `header ${name} has a non-string value`;
  if (!FIELD_VALUE.test(value)) return `header ${name} has a control character in its value`;
  return null;
}

/** Reads headers in either runtime's spelling into lists by lower-case name, or says what is wrong. */
function readHeaders(value: unknown, spelling: string, valuesOf: (field: unknown) => unknown[] | null): PlainHeaders | string {
  if (!isObject(value)) return `headers must be an object of ${spelling}`;
  const out: PlainHeaders = dictionary();
  for (const name of Object.keys(value)) {
    const values = valuesOf(value[name]);
    if (!values) return `header ${name} must be ${spelling}`;
    for (const item of values) {
      const problem = checkHeaderLine(name, item);
      if (problem) return problem;
    }
    const lower = name.toLowerCase();
    out[lower] = (Object.prototype.hasOwnProperty.call(out, lower) ? out[lower] : []).concat(values as string[]);
  }
  return out;
}

/** Lambda@Edge spelling: { name: [{ key?, value }] }. */
function lambdaHeaders(value: unknown): PlainHeaders | string {
  return readHeaders(value, 'a list of { key, value }', (list) => {
    const ok = Array.isArray(list) && list.every((item) => isObject(item) && (item.key === undefined || typeof item.key === 'string'));
    return ok ? (list as Array<{ value: unknown }>).map((item) => item.value) : null;
  });
}

/** CloudFront Functions spelling: { name: { value, multiValue? } }. */
function cffHeaders(value: unknown): PlainHeaders | string {
  return readHeaders(value, '{ value, multiValue? }', (field) => {
    if (!isObject(field)) return null;
    return Array.isArray(field.multiValue) ? field.multiValue.map((item) => (isObject(item) ? item.value : undefined)) : [field.value];
  });
}

export function plainHeaders(headers: EdgeHeaders | undefined): PlainHeaders {
  const out: PlainHeaders = dictionary();
  for (const name of Object.keys(headers || {})) out[name.toLowerCase()] = headers![name].map((h) => h.value);
  return out;
}

export function toEdgeHeaders(headers: PlainHeaders): EdgeHeaders {
  const out: EdgeHeaders = dictionary();
  for (const name of Object.keys(headers)) out[name] = headers[name].map((value) => ({ key: name, value }));
  return out;
}

function same(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return JSON.stringify(a || null) === JSON.stringify(b || null);
}

function readOnlyHeaderChanged(runtime: ViewerRuntime, event: EdgeEventType, before: PlainHeaders, after: PlainHeaders): Failure | null {
  for (const name of READ_ONLY_HEADERS[event]) {
    if (!same(before[name], after[name])) {
      return invalid(runtime, 'read-only-header', `the function tried to add, delete, or change the read-only header ${name} (${event})`);
    }
  }
  return null;
}

function forbiddenHeaderAdded(runtime: ViewerRuntime, before: PlainHeaders, after: PlainHeaders): Failure | null {
  for (const name of Object.keys(after)) {
    if (isForbiddenHeader(name) && !same(before[name], after[name])) {
      return invalid(runtime, 'forbidden-header', `the function added the disallowed header ${name}`);
    }
  }
  return null;
}

function checkStatus(runtime: ViewerRuntime, status: unknown): number | Failure {
  const text = typeof status === 'number' ? String(status) : status;
  if (typeof text !== 'string' || !/^[1-5][0-9][0-9]$/.test(text)) return invalid(runtime, 'status', `status must be an HTTP status code from 100 to 599, got ${JSON.stringify(status)}`);
  return Number(text);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes a generated body, checking its encoding and the generated-response size limit. */
function checkBody(runtime: ViewerRuntime, body: unknown, encoding: unknown, headers: PlainHeaders, limit: number): Buffer | Failure {
  if (body === undefined || body === null) body = '';
  if (typeof body !== 'string') return invalid(runtime, 'result-shape', 'body must be a string');
  if (encoding !== undefined && encoding !== 'text' && encoding !== 'base64') {
    return invalid(runtime, 'body-encoding', `bodyEncoding must be text or base64, got ${JSON.stringify(encoding)}`);
  }
  if (encoding === 'base64' && (body.length % 4 !== 0 || !BASE64.test(body))) {
    return invalid(runtime, 'base64-body', `bodyEncoding is base64 but the body is not valid base64 (${body.length} characters)`);
  }
  const bytes = generatedResponseBytes(toEdgeHeaders(headers), body);
  if (bytes > limit) {
    return invalid(runtime, 'response-size', `the generated response is ${bytes} bytes (headers plus body as sent), over the ${limit}-byte limit`);
  }
  return encoding === 'base64' ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

function checkUri(runtime: ViewerRuntime, uri: unknown, querystring: string): string | Failure {
  if (typeof uri !== 'string' || !uri.startsWith('/')) return invalid(runtime, 'uri', `uri must be a string starting with /, got ${JSON.stringify(uri)}`);
  // "The total size of the URI and the query string must be less than 8,192 characters."
  if (uri.length + querystring.length >= MAX_URI_AND_QUERY_CHARS) {
    return invalid(runtime, 'uri-and-query-length', `uri plus query string is ${uri.length + querystring.length} characters, not less than ${MAX_URI_AND_QUERY_CHARS}`);
  }
  return uri;
}

/** "The updated query string can't include spaces, control characters, or the fragment identifier (#)." */
function checkQuerystring(runtime: ViewerRuntime, querystring: unknown): string | Failure {
  if (querystring === undefined) return '';
  if (typeof querystring !== 'string') return invalid(runtime, 'querystring', 'querystring must be a string');
  if (/[\s\x00-\x1f\x7f#]/.test(querystring)) return invalid(runtime, 'querystring', `querystring has a space, a control character or #: ${JSON.stringify(querystring.slice(0, 64))}`);
  return querystring;
}

function generatedResponse(runtime: ViewerRuntime, result: Record<string, unknown>, statusField: 'status' | 'statusCode', before: PlainHeaders, headers: PlainHeaders, body: unknown, encoding: unknown, limit: number): CheckedResponse | Failure {
  const status = checkStatus(runtime, result[statusField]);
  if (isFailure(status)) return status;
  const forbidden = forbiddenHeaderAdded(runtime, before, headers);
  if (forbidden) return forbidden;
  const bytes = checkBody(runtime, body, encoding, headers, limit);
  if (isFailure(bytes)) return bytes;
  const statusDescription = typeof result.statusDescription === 'string' ? result.statusDescription : '';
  return { status, statusDescription, headers, body: bytes };
}

/** The request a viewer-request function lets through: headers, query string and URI rules. */
function forwardedRequest(runtime: ViewerRuntime, before: PlainHeaders, headers: PlainHeaders, uriValue: unknown, querystringValue: unknown): ViewerOutcome {
  const broken = readOnlyHeaderChanged(runtime, 'viewer-request', before, headers) || forbiddenHeaderAdded(runtime, before, headers);
  if (broken) return broken;
  const querystring = checkQuerystring(runtime, querystringValue);
  if (isFailure(querystring)) return querystring;
  const uri = checkUri(runtime, uriValue, querystring);
  if (isFailure(uri)) return uri;
  return { kind: 'request', request: { uri, querystring, headers } };
}

/** The result as an object with readable headers, or the failure CloudFront reports. */
function readResult(runtime: ViewerRuntime, result: unknown, read: (headers: unknown) => PlainHeaders | string): { result: Record<string, unknown>; headers: PlainHeaders } | Failure {
  if (!isObject(result)) return invalid(runtime, 'result-shape', `the function must return a request or a response object, got ${result === null ? 'null' : typeof result}`);
  const headers = read(result.headers === undefined ? {} : result.headers);
  if (typeof headers === 'string') return invalid(runtime, 'header-shape', headers);
  return { result, headers };
}

/** A Lambda@Edge viewer-request result: the (possibly changed) request, or a generated response. */
export function checkViewerRequestResult(input: CloudFrontRequest, value: unknown): ViewerOutcome {
  const runtime = 'lambda-edge';
  const read = readResult(runtime, value, lambdaHeaders);
  if (isFailure(read)) return read;
  const { result, headers } = read;
  if (result.status !== undefined) {
    const response = generatedResponse(runtime, result, 'status', {}, headers, result.body, result.bodyEncoding, VIEWER_RESPONSE_LIMIT_BYTES);
    return isFailure(response) ? response : { kind: 'response', response };
  }
  return forwardedRequest(runtime, plainHeaders(input.headers), headers, result.uri, result.querystring);
}

/** A CloudFront Functions viewer-request result, in that runtime's own shapes. */
export function checkCffViewerRequestResult(input: CffRequest, value: unknown): ViewerOutcome {
  const runtime = 'cloudfront-function';
  const read = readResult(runtime, value, cffHeaders);
  if (isFailure(read)) return read;
  const { result, headers } = read;
  if (result.statusCode !== undefined) {
    const body = isObject(result.body) ? result.body.data : result.body;
    const encoding = isObject(result.body) ? result.body.encoding : undefined;
    const response = generatedResponse(runtime, result, 'statusCode', {}, headers, body, encoding, VIEWER_RESPONSE_LIMIT_BYTES);
    return isFailure(response) ? response : { kind: 'response', response };
  }
  if (result.querystring !== undefined && !isObject(result.querystring)) return invalid(runtime, 'querystring', 'querystring must be an object of { value }');
  const before = cffHeaders(input.headers);
  const query = rawQuery((result.querystring || {}) as CffRequest['querystring']);
  return forwardedRequest(runtime, typeof before === 'string' ? {} : before, headers, result.uri, query);
}

/** A Lambda@Edge origin-response result: the response to cache and send. */
export function checkOriginResponseResult(input: CloudFrontResponse, value: unknown): CheckedResponse | Failure {
  const runtime = 'lambda-edge';
  if (!isObject(value) || value.status === undefined) return invalid(runtime, 'result-shape', 'an origin-response function must return a response object with a status');
  const read = readResult(runtime, value, lambdaHeaders);
  if (isFailure(read)) return read;
  const { result, headers } = read;
  const before = plainHeaders(input.headers);
  const broken = readOnlyHeaderChanged(runtime, 'origin-response', before, headers) || forbiddenHeaderAdded(runtime, before, headers);
  if (broken) return broken;
  if (!('body' in result)) {
    const status = checkStatus(runtime, result.status);
    if (isFailure(status)) return status;
    return { status, statusDescription: typeof result.statusDescription === 'string' ? result.statusDescription : '', headers };
  }
  return generatedResponse(runtime, result, 'status', before, headers, result.body, result.bodyEncoding, ORIGIN_RESPONSE_LIMIT_BYTES);
}
