// CloudFront's checks on edge-function results, rule by rule: what passes, what fails, with
// which status and which rule name.
import type { CloudFrontRequest, CloudFrontResponse } from 'aws-lambda';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cffViewerRequestEvent, lambdaViewerRequestEvent } from '../../../infra/local/events';
import {
  checkCffViewerRequestResult, checkOriginResponseResult, checkViewerRequestResult, executionFailure, isFailure, timeoutFailure,
  type Failure,
} from '../../../infra/local/rules';
import { ORIGIN_RESPONSE_LIMIT_BYTES, VIEWER_RESPONSE_LIMIT_BYTES } from '../../../shared/limits';

/** Events and checked results use null-prototype maps; compare their contents. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

const rules = suite('local edge rules');

const VIEWER = { method: 'GET', uri: '/dev/a.png', querystring: 'w=200', clientIp: '127.0.0.1', headers: [['Host', 'localhost:3000'], ['Accept', 'image/webp']] as Array<[string, string]> };
const DISTRIBUTION = { domainName: 'localhost:3000', id: 'E1', requestId: 'r' };

function viewerRequest(): CloudFrontRequest {
  return lambdaViewerRequestEvent(VIEWER, DISTRIBUTION).Records[0].cf.request;
}

function originResponse(): CloudFrontResponse {
  return {
    status: '200', statusDescription: 'OK',
    headers: { 'content-type': [{ key: 'Content-Type', value: 'image/png' }], etag: [{ key: 'ETag', value: '"e"' }] },
  };
}

function failure(value: unknown): Failure {
  assert.ok(isFailure(value), `expected a failure, got ${JSON.stringify(value).slice(0, 200)}`);
  return value as Failure;
}

function expectFailure(value: unknown, status: number, errorType: string, rule: string): void {
  const f = failure(value);
  assert.is(f.status, status);
  assert.is(f.errorType, errorType);
  assert.is(f.rule, rule);
}

/** A body whose generated response (base64 text plus headers) lands `delta` bytes from `limit`. */
function base64BodyNear(limit: number, headerBytes: number, delta: number): string {
  const chars = limit - headerBytes + delta;
  return 'A'.repeat(chars - (chars % 4));
}

rules('a viewer-request function may return the request, with a new query string', () => {
  const request = viewerRequest();
  request.querystring = 'w=200&f=webp';
  const outcome = checkViewerRequestResult(viewerRequest(), request);
  assert.equal(plain(outcome), { kind: 'request', request: { uri: '/dev/a.png', querystring: 'w=200&f=webp', headers: { host: ['localhost:3000'], accept: ['image/webp'] } } });
});

rules('a viewer-request function may generate a response, decoded from base64', () => {
  const outcome = checkViewerRequestResult(viewerRequest(), { status: '400', statusDescription: 'Bad Request', headers: {}, body: Buffer.from('bad w').toString('base64'), bodyEncoding: 'base64' });
  assert.ok(!isFailure(outcome) && outcome.kind === 'response');
  if (!isFailure(outcome) && outcome.kind === 'response') {
    assert.is(outcome.response.status, 400);
    assert.is(outcome.response.body!.toString(), 'bad w');
  }
});

const LAMBDA_VIEWER_FAILURES: Array<[string, (request: CloudFrontRequest) => unknown, string]> = [
  ['nothing returned', () => undefined, 'result-shape'],
  ['a string returned', () => 'ok', 'result-shape'],
  ['headers not lists', (r) => ({ ...r, headers: { host: { value: 'x' } } }), 'header-shape'],
  ['a header value with a newline', (r) => ({ ...r, headers: { ...r.headers, 'x-a': [{ key: 'X-A', value: 'a\r\nb' }] } }), 'header-shape'],
  ['Host changed (read-only)', (r) => ({ ...r, headers: { ...r.headers, host: [{ key: 'Host', value: 'evil.example' }] } }), 'read-only-header'],
  ['Host removed (read-only)', (r) => { const headers = { ...r.headers }; delete headers.host; return { ...r, headers }; }, 'read-only-header'],
  ['Via added (read-only)', (r) => ({ ...r, headers: { ...r.headers, via: [{ key: 'Via', value: '1.1 x' }] } }), 'read-only-header'],
  ['Connection added (disallowed)', (r) => ({ ...r, headers: { ...r.headers, connection: [{ key: 'Connection', value: 'close' }] } }), 'forbidden-header'],
  ['X-Amz-Cf-Id added (disallowed prefix)', (r) => ({ ...r, headers: { ...r.headers, 'x-amz-cf-id': [{ key: 'X-Amz-Cf-Id', value: 'x' }] } }), 'forbidden-header'],
  ['a space in the query string', (r) => ({ ...r, querystring: 'w=1 2' }), 'querystring'],
  ['a fragment in the query string', (r) => ({ ...r, querystring: 'w=1#x' }), 'querystring'],
  ['a uri without a leading slash', (r) => ({ ...r, uri: 'dev/a.png' }), 'uri'],
  ['uri plus query of 8192 characters', (r) => ({ ...r, querystring: 'w=' + '1'.repeat(8192 - r.uri.length - 2) }), 'uri-and-query-length'],
  ['a generated status that is not a status', () => ({ status: '99', headers: {} }), 'status'],
  ['a generated response with Keep-Alive', () => ({ status: '200', headers: { 'keep-alive': [{ key: 'Keep-Alive', value: 'timeout=5' }] } }), 'forbidden-header'],
  ['bodyEncoding other than text or base64', () => ({ status: '200', headers: {}, body: 'x', bodyEncoding: 'gzip' }), 'body-encoding'],
  ['a base64 body that is not base64', () => ({ status: '200', headers: {}, body: 'not base64!', bodyEncoding: 'base64' }), 'base64-body'],
  ['a base64 body of the wrong length', () => ({ status: '200', headers: {}, body: 'QUJD=', bodyEncoding: 'base64' }), 'base64-body'],
  ['a generated response over 40 KB', () => ({ status: '200', headers: {}, body: 'x'.repeat(VIEWER_RESPONSE_LIMIT_BYTES + 1) }), 'response-size'],
];

/** Every case of a table must fail validation with a 502 and its rule. */
function expectEachInvalid<T>(cases: Array<[string, (input: T) => unknown, string]>, input: () => T, check: (input: T, result: unknown) => unknown): void {
  for (const [name, make, rule] of cases) {
    const outcome = check(input(), make(input()));
    assert.ok(isFailure(outcome), name);
    expectFailure(outcome, 502, 'LambdaValidationError', rule);
  }
}

rules('Lambda@Edge viewer-request results that fail validation get 502 LambdaValidationError', () => {
  expectEachInvalid(LAMBDA_VIEWER_FAILURES, viewerRequest, checkViewerRequestResult);
});

rules('the viewer size limit counts headers plus the body as sent', () => {
  const headers = { 'content-type': [{ key: 'content-type', value: 'text/plain' }] };
  const headerBytes = 'content-type: text/plain\r\n'.length;
  const atLimit = { status: '200', headers, body: 'x'.repeat(VIEWER_RESPONSE_LIMIT_BYTES - headerBytes) };
  assert.not.ok(isFailure(checkViewerRequestResult(viewerRequest(), atLimit)), 'exactly at the limit passes');
  const over = { ...atLimit, body: atLimit.body + 'x' };
  expectFailure(checkViewerRequestResult(viewerRequest(), over), 502, 'LambdaValidationError', 'response-size');
});

rules('origin-response: passing the response through keeps the origin body', () => {
  const checked = checkOriginResponseResult(originResponse(), originResponse());
  assert.ok(!isFailure(checked));
  if (!isFailure(checked)) {
    assert.is(checked.status, 200);
    assert.is(checked.body, undefined);
    assert.equal(checked.headers['content-type'], ['image/png']);
  }
});

rules('origin-response: the 1 MB limit applies to the base64 text plus headers', () => {
  const headers = originResponse().headers;
  const headerBytes = 'Content-Type: image/png\r\nETag: "e"\r\n'.length;
  const under = { status: '200', statusDescription: 'OK', headers, body: base64BodyNear(ORIGIN_RESPONSE_LIMIT_BYTES, headerBytes, 0), bodyEncoding: 'base64' };
  const checked = checkOriginResponseResult(originResponse(), under);
  assert.ok(!isFailure(checked), 'a body just under the limit passes');
  if (!isFailure(checked)) assert.is(checked.body!.length, (under.body.length / 4) * 3);
  const over = { ...under, body: base64BodyNear(ORIGIN_RESPONSE_LIMIT_BYTES, headerBytes, 8) };
  expectFailure(checkOriginResponseResult(originResponse(), over), 502, 'LambdaValidationError', 'response-size');
});

const ORIGIN_FAILURES: Array<[string, (response: CloudFrontResponse) => unknown, string]> = [
  ['nothing returned', () => undefined, 'result-shape'],
  ['no status', (r) => ({ headers: r.headers }), 'result-shape'],
  ['Via added (read-only for origin-response)', (r) => ({ ...r, headers: { ...r.headers, via: [{ key: 'Via', value: '1.1 x' }] } }), 'read-only-header'],
  ['Transfer-Encoding added (read-only)', (r) => ({ ...r, headers: { ...r.headers, 'transfer-encoding': [{ key: 'Transfer-Encoding', value: 'chunked' }] } }), 'read-only-header'],
  ['X-Cache added (disallowed)', (r) => ({ ...r, headers: { ...r.headers, 'x-cache': [{ key: 'X-Cache', value: 'Hit' }] } }), 'forbidden-header'],
  ['X-Edge-Location added (disallowed prefix)', (r) => ({ ...r, headers: { ...r.headers, 'x-edge-location': [{ key: 'X-Edge-Location', value: 'x' }] } }), 'forbidden-header'],
  ['an invalid base64 body', (r) => ({ ...r, body: '@@@@', bodyEncoding: 'base64' }), 'base64-body'],
  ['a status that is not a status', (r) => ({ ...r, status: 'OK' }), 'status'],
];

rules('origin-response results that fail validation get 502 LambdaValidationError', () => {
  expectEachInvalid(ORIGIN_FAILURES, originResponse, checkOriginResponseResult);
});

rules('origin-response: a read-only header the origin sent may be kept but not changed', () => {
  const input = originResponse();
  input.headers.via = [{ key: 'Via', value: '1.1 s3' }];
  assert.not.ok(isFailure(checkOriginResponseResult(input, { ...input })));
  expectFailure(checkOriginResponseResult(input, { ...input, headers: { ...input.headers, via: [{ key: 'Via', value: '1.1 changed' }] } }), 502, 'LambdaValidationError', 'read-only-header');
});

rules('CloudFront Functions results are checked in their own shapes', () => {
  const event = cffViewerRequestEvent({ ...VIEWER, querystring: 'w=200&w=300&f=webp' }, DISTRIBUTION);
  assert.equal(plain(event.request.querystring), { w: { value: '200', multiValue: [{ value: '200' }, { value: '300' }] }, f: { value: 'webp' } });
  const passed = checkCffViewerRequestResult(event.request, { ...event.request, querystring: { w: { value: '200' }, f: { value: 'webp' } } });
  assert.equal(plain(passed), { kind: 'request', request: { uri: '/dev/a.png', querystring: 'w=200&f=webp', headers: { host: ['localhost:3000'], accept: ['image/webp'] } } });
  const generated = checkCffViewerRequestResult(event.request, { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/x' } } });
  assert.ok(!isFailure(generated) && generated.kind === 'response' && generated.response.status === 302);
  expectFailure(checkCffViewerRequestResult(event.request, { ...event.request, headers: { ...event.request.headers, host: { value: 'evil' } } }), 502, 'FunctionValidationError', 'read-only-header');
  expectFailure(checkCffViewerRequestResult(event.request, { statusCode: 200, body: { data: '!!', encoding: 'base64' } }), 502, 'FunctionValidationError', 'base64-body');
  expectFailure(checkCffViewerRequestResult(event.request, { statusCode: 200, body: 'x'.repeat(VIEWER_RESPONSE_LIMIT_BYTES + 1) }), 502, 'FunctionValidationError', 'response-size');
});

rules('errors and timeouts are 503s with CloudFront\'s names', () => {
  assert.equal(executionFailure('lambda-edge', new TypeError('x is undefined')), { failed: true, status: 503, errorType: 'LambdaExecutionError', rule: 'function-error', message: 'TypeError: x is undefined' });
  expectFailure(executionFailure('cloudfront-function', 'oops'), 503, 'FunctionExecutionError', 'function-error');
  expectFailure(timeoutFailure('lambda-edge', 5000), 503, 'LambdaLimitExceeded', 'function-timeout');
  expectFailure(timeoutFailure('cloudfront-function', 5000), 503, 'FunctionThrottledError', 'function-timeout');
});

rules.run();
