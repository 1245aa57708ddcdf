// The two built normalizers (Lambda@Edge and CloudFront Functions) against the same tables,
// through CloudFront events in each runtime's shape.
import { statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CffResponse } from '../../../functions/normalize/cloudfront-function';
import { CLOUDFRONT_FUNCTION_MAX_BYTES } from '../../../shared/limits';
import { cloudFrontFunctionNormalizer, distDir, lambdaNormalizer } from '../../helpers/bundles';
import { cffViewerRequest, viewerRequest } from '../../helpers/events';
import { equivalentGroups, rejectedCases } from '../../helpers/fixtures';

const lambda = lambdaNormalizer();
const cff = cloudFrontFunctionNormalizer();

type Answer = { query: string } | { status: number; contentType: string; body: string };

async function viaLambda(query: string, accept?: string): Promise<Answer> {
  const result = await lambda(viewerRequest(query, accept));
  if (result && 'uri' in result) return { query: result.querystring };
  const response = result as { status: string; headers: Record<string, Array<{ value: string }>>; body: string };
  return { status: Number(response.status), contentType: response.headers['content-type'][0].value, body: response.body };
}

async function viaCloudFrontFunction(query: string, accept?: string): Promise<Answer> {
  const pairs = query.split('&').filter(Boolean).map((pair): [string, string] => {
    const eq = pair.indexOf('=');
    return eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
  });
  const result = await cff(cffViewerRequest(pairs, accept), query);
  if ('uri' in result) {
    return { query: Object.keys(result.querystring).map((name) => `${name}=${result.querystring[name].value}`).join('&') };
  }
  const response = result as CffResponse;
  return { status: response.statusCode, contentType: response.headers['content-type'].value, body: response.body };
}

const runtimes: Array<[string, (query: string, accept?: string) => Answer | Promise<Answer>]> = [
  ['lambda@edge', viaLambda],
  ['cloudfront-function', viaCloudFrontFunction],
];

for (const [runtime, normalize] of runtimes) {
  for (const group of equivalentGroups().filter((g) => !g.config)) {
    test(`${runtime}: ${group.name}`, async () => {
      for (const request of group.requests) {
        assert.equal(await normalize(request.query, request.accept), { query: group.expect }, `?${request.query} Accept: ${request.accept}`);
      }
    });
  }
  for (const rejected of rejectedCases().filter((c) => !c.config)) {
    test(`${runtime}: 400 for ?${rejected.query}`, async () => {
      assert.equal(await normalize(rejected.query), { status: 400, contentType: 'text/plain; charset=utf-8', body: rejected.message + '\n' });
    });
  }
}

test('cloudfront-function without rawQueryString(): a repeated parameter arrives as multiValue and the first wins', async () => {
  const result = await cff(cffViewerRequest([['w', '100'], ['w', '300'], ['f', 'png']]));
  assert.ok('uri' in result);
  assert.equal(result.querystring, { w: { value: '100' }, f: { value: 'png' } });
});

test('lambda@edge: several Accept headers are read together', async () => {
  const event = viewerRequest('w=200');
  event.Records[0].cf.request.headers.accept = [{ key: 'Accept', value: 'image/jpeg' }, { key: 'Accept', value: 'image/webp' }];
  const result = await lambda(event);
  assert.is((result as { querystring: string }).querystring, 'w=200&f=webp');
});

test('lambda@edge: the request keeps its uri, method and headers', async () => {
  const result = (await lambda(viewerRequest('h=150&w=200&utm=1', 'image/webp'))) as { uri: string; method: string; headers: Record<string, unknown> };
  assert.is(result.uri, '/prod/photos/cat.jpg');
  assert.is(result.method, 'GET');
  assert.ok(result.headers.host);
});

for (const file of ['normalize/index.js', 'normalize-cff/index.js']) {
  test(`${file} is under the ${CLOUDFRONT_FUNCTION_MAX_BYTES}-byte CloudFront Functions limit`, () => {
    const bytes = statSync(path.join(distDir, file)).size;
    assert.ok(bytes < CLOUDFRONT_FUNCTION_MAX_BYTES, `${bytes} bytes`);
  });
}

test.run();
