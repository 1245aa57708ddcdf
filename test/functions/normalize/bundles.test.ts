// The two built normalizers (Lambda@Edge and CloudFront Functions) against the same tables,
// through CloudFront events in each runtime's shape.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUNDLE_LIMITS, checkBundleSize } from '../../../scripts/build';
import { CLOUDFRONT_FUNCTION_MAX_BYTES, LAMBDA_EDGE_VIEWER_PACKAGE_MAX_BYTES } from '../../../shared/limits';
import { cloudFrontFunctionNormalizer, distDir, lambdaNormalizer } from '../../helpers/bundles';
import { cffViewerRequest, viewerRequest } from '../../helpers/events';
import { equivalentGroups, fixture, rejectedCases } from '../../helpers/fixtures';
import { normalizerRuntimes } from '../../helpers/normalizers';

const lambda = lambdaNormalizer();
const cff = cloudFrontFunctionNormalizer();
const runtimes = normalizerRuntimes();

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

interface PathCase { uri: string; query: string; status: number; message?: string; canonical?: string }
const pathCases = fixture<{ cases: PathCase[] }>('normalize/paths.json').cases;

for (const [runtime, normalize] of runtimes) {
  test(`${runtime}: path rules (canonical spelling; NUL and control characters, encoded / and \\, empty, . and .. segments raw or encoded, S3's key and s3rver's segment limits)`, async () => {
    for (const row of pathCases) {
      const answer = await normalize(row.query, undefined, row.uri);
      const label = `${row.uri.slice(0, 80)}?${row.query}`;
      if (row.status === 200) {
        assert.ok('query' in answer, `${label}: ${JSON.stringify(answer)}`);
        assert.is('query' in answer && (answer.uri || row.uri), row.canonical, label);
      }
      else assert.equal(answer, { status: row.status, contentType: 'text/plain; charset=utf-8', body: row.message + '\n' }, label);
    }
  });
}

test('both builds: headers and parameters named like Object.prototype members are ordinary names', async () => {
  const names = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
  // JSON.parse makes `__proto__` an own property, as CloudFront's event JSON does.
  const lambdaEvent = viewerRequest(names.map((name) => `${name}=1`).join('&') + '&w=100');
  const lambdaHeaders = JSON.parse(`{${names.map((name) => `"${name}":[{"key":"${name}","value":"x"}]`).join(',')}}`);
  lambdaEvent.Records[0].cf.request.headers = lambdaHeaders;
  assert.is((await lambda(lambdaEvent) as { querystring: string }).querystring, 'w=100&f=source');
  const cffEvent = cffViewerRequest([]);
  cffEvent.request.headers = JSON.parse(`{${names.map((name) => `"${name}":{"value":"x"}`).join(',')}}`);
  cffEvent.request.querystring = JSON.parse(`{${names.map((name) => `"${name}":{"value":"1"}`).join(',')},"w":{"value":"100"}}`);
  for (const raw of [undefined, names.map((name) => `${name}=1`).join('&') + '&w=100']) {
    const result = await cff(JSON.parse(JSON.stringify(cffEvent)), raw);
    assert.ok('uri' in result, JSON.stringify(result));
    assert.equal(JSON.parse(JSON.stringify(result.querystring)), { w: { value: '100' }, f: { value: 'source' } });
  }
  const accepted = cffViewerRequest([['w', '100']], 'image/webp');
  accepted.request.headers = JSON.parse('{"__proto__":{"value":"x"},"accept":{"value":"image/webp"}}');
  assert.equal(((await cff(accepted, 'w=100')) as { querystring: unknown }).querystring, { w: { value: '100' }, f: { value: 'webp' } });
});

test('normalize-cff/index.js carries the runtime\'s HMAC only: none of signUrl\'s pure SHA-256', () => {
  const source = readFileSync(path.join(distDir, 'normalize-cff/index.js'), 'utf8');
  assert.ok(source.startsWith("import cfCrypto from 'crypto';\nimport cf from 'cloudfront';\n"), 'the runtime modules are imported in the first lines');
  for (const constant of ['1116352408', '0x428a2f98', '3624381080']) assert.not.ok(source.includes(constant), constant);
});

test('cloudfront-function reads the query from rawQueryString() only (cloudfront-js-2.0 has it on every request): the first of a repeated name wins, the query object is not read', async () => {
  const event = cffViewerRequest([['w', '999'], ['f', 'gif']]);
  const result = await cff(event, 'w=100&w=300&f=png');
  assert.ok('uri' in result);
  assert.equal(result.querystring, { w: { value: '100' }, f: { value: 'png' } });
  const source = readFileSync(path.join(distDir, 'normalize-cff/index.js'), 'utf8');
  assert.not.ok(source.includes('.querystring||'), 'no fallback that joins the query object back');
});

test('test tools without rawQueryString() (this helper, njs.ts) join the query object back: a repeated parameter arrives as multiValue and the first wins', async () => {
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

test('both builds: a transform loses Range and If-Range (a miss would forward them to S3), an original keeps them; the uri is the canonical path', async () => {
  for (const [query, keeps] of [['w=100', false], ['f=json', false], ['', true], ['utm=1', true]] as const) {
    const event = viewerRequest(query, undefined, '/prod/photos/c%61t.jpg');
    Object.assign(event.Records[0].cf.request.headers, { range: [{ key: 'Range', value: 'bytes=0-99' }], 'if-range': [{ key: 'If-Range', value: '"abc"' }] });
    const result = (await lambda(event)) as { uri: string; headers: Record<string, unknown> };
    assert.is(result.uri, '/prod/photos/cat.jpg');
    assert.is('range' in result.headers && 'if-range' in result.headers, keeps, `lambda@edge ?${query}`);
    assert.ok(result.headers.host, 'other headers stay');
    const cffEvent = cffViewerRequest(query ? [[query.split('=')[0], query.split('=')[1]]] : []);
    cffEvent.request.uri = '/prod/photos/c%61t.jpg';
    Object.assign(cffEvent.request.headers, { range: { value: 'bytes=0-99' }, 'if-range': { value: '"abc"' } });
    const cffResult = (await cff(cffEvent, query)) as { uri: string; headers: Record<string, unknown> };
    assert.is(cffResult.uri, '/prod/photos/cat.jpg');
    assert.is('range' in cffResult.headers && 'if-range' in cffResult.headers, keeps, `cloudfront-function ?${query}`);
  }
});

test('lambda@edge: the request keeps its uri, method and headers', async () => {
  const result = (await lambda(viewerRequest('h=150&w=200&utm=1', 'image/webp'))) as { uri: string; method: string; headers: Record<string, unknown> };
  assert.is(result.uri, '/prod/photos/cat.jpg');
  assert.is(result.method, 'GET');
  assert.ok(result.headers.host);
});

test('each normalizer build has its own runtime\'s size limit, and the build refuses a byte over it', () => {
  assert.equal(BUNDLE_LIMITS, {
    'normalize/index.js': LAMBDA_EDGE_VIEWER_PACKAGE_MAX_BYTES,
    'normalize-cff/index.js': CLOUDFRONT_FUNCTION_MAX_BYTES,
  });
  for (const [file, limit] of Object.entries(BUNDLE_LIMITS)) {
    checkBundleSize(file, limit);
    assert.throws(() => checkBundleSize(file, limit + 1), (error: Error) => error.message === `dist/${file} is ${limit + 1} bytes, over its ${limit}-byte limit`);
  }
});

for (const [file, limit] of Object.entries(BUNDLE_LIMITS)) {
  test(`${file} is within its ${limit}-byte limit, as CloudFront counts it (the UTF-8 bytes of the code)`, () => {
    const bytes = Buffer.byteLength(readFileSync(path.join(distDir, file), 'utf8'));
    assert.ok(bytes <= limit, `${bytes} bytes`);
    assert.is(bytes, statSync(path.join(distDir, file)).size, 'the file is the code as uploaded');
  });
}

test.run();
