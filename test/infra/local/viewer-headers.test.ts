// The response headers policy as the local edge applies it, on a policy written out here and
// on the one the CDK app defines.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { distributionPolicies, type ViewerHeadersPolicy } from '../../../infra/local/distribution';
import { applyViewerHeaders, isPreflight } from '../../../infra/local/viewer-headers';
import { CACHE_KEY_PARAMS } from '../../../shared/params';
import { SVG_CONTENT_SECURITY_POLICY } from '../../../shared/responses';
import { CORS_EXPOSED_HEADERS } from '../../../infra/cdk/policies';
import { configWith } from '../../helpers/config';
import { startSampleEdge } from '../../helpers/edge';

const headers = suite('local edge response headers policy');

function policy(allowOrigins: string[]): ViewerHeadersPolicy {
  return {
    cors: {
      allowOrigins, allowMethods: ['GET', 'HEAD', 'OPTIONS'], allowHeaders: ['*'], exposeHeaders: ['server-timing'],
      allowCredentials: false, maxAgeSeconds: 86400, originOverride: true,
    },
    customHeaders: [{ header: 'vary', value: 'Accept, Origin', override: true }, { header: 'x-kept', value: 'policy', override: false }],
    contentTypeOptions: { override: true },
    contentSecurityPolicy: { value: "default-src 'none'", override: true },
  };
}

const ORIGIN_CASES: Array<[string, string | undefined, string[], boolean, string | undefined]> = [
  ['any origin with "*"', 'https://a.example', ['*'], false, '*'],
  ['a listed origin is echoed', 'https://a.example', ['https://a.example', 'https://b.example'], false, 'https://a.example'],
  ['an unlisted origin gets nothing', 'https://evil.example', ['https://a.example'], false, undefined],
  ['the scheme is part of the origin', 'http://a.example', ['https://a.example'], false, undefined],
  ['the port is part of the origin', 'https://a.example:8443', ['https://a.example'], false, undefined],
  ['no Origin header: not a CORS request', undefined, ['*'], false, undefined],
  ['a preflight from a listed origin', 'https://a.example', ['https://a.example'], true, 'https://a.example'],
  ['a preflight from an unlisted origin', 'https://evil.example', ['https://a.example'], true, undefined],
];

headers('access-control-allow-origin only for CORS requests from allowed origins', () => {
  for (const [name, origin, allowed, preflight, expected] of ORIGIN_CASES) {
    const out = applyViewerHeaders({}, policy(allowed), { origin, preflight });
    assert.equal(out['access-control-allow-origin'], expected === undefined ? undefined : [expected], name);
  }
});

headers('the origin\'s CORS headers are replaced; custom headers override or fill in as configured', () => {
  const out = applyViewerHeaders(
    { 'access-control-allow-origin': ['https://evil.example'], vary: ['Accept'], 'x-kept': ['origin'], 'content-type': ['image/webp'], 'content-security-policy': ['script-src *'] },
    policy(['https://a.example']),
    { origin: 'https://evil.example', preflight: false },
  );
  assert.is(out['access-control-allow-origin'], undefined);
  assert.equal(out.vary, ['Accept, Origin']);
  assert.equal(out['x-kept'], ['origin']);
  assert.equal(out['x-content-type-options'], ['nosniff']);
  assert.equal(out['content-security-policy'], ["default-src 'none'"], 'the policy\'s CSP replaces the origin\'s');
  assert.equal(out['content-type'], ['image/webp']);
});

headers('preflights get methods, headers and max-age; simple requests the exposed headers', () => {
  const preflight = applyViewerHeaders({}, policy(['*']), { origin: 'https://a.example', preflight: true });
  assert.equal(preflight['access-control-allow-methods'], ['GET, HEAD, OPTIONS']);
  assert.equal(preflight['access-control-max-age'], ['86400']);
  assert.is(preflight['access-control-expose-headers'], undefined);
  const simple = applyViewerHeaders({}, policy(['*']), { origin: 'https://a.example', preflight: false });
  assert.equal(simple['access-control-expose-headers'], ['server-timing']);
  assert.is(simple['access-control-allow-methods'], undefined);
  assert.ok(isPreflight('OPTIONS', 'https://a.example', 'GET'));
  assert.not.ok(isPreflight('OPTIONS', 'https://a.example', undefined));
  assert.not.ok(isPreflight('GET', 'https://a.example', 'GET'));
});

headers('the policies come from the CDK app and follow the config', () => {
  const config = configWith({ cors: { allowedOrigins: ['https://a.example'] }, deploy: { errorCachingSeconds: 7 } });
  const policies = distributionPolicies(config);
  assert.equal(policies.variantCache.queryAllowlist, CACHE_KEY_PARAMS);
  assert.is(policies.variantCache.minTtl, 0, 'the resizer\'s no-store must be honoured');
  assert.equal(policies.viewerHeaders.cors!.allowOrigins, ['https://a.example']);
  assert.is(policies.errorCachingSeconds[404], 7);
  assert.is(policies.errorCachingSeconds[503], 7);
  const out = applyViewerHeaders({}, policies.viewerHeaders, { origin: 'https://a.example', preflight: false });
  assert.equal(out['access-control-allow-origin'], ['https://a.example']);
  assert.equal(out['content-security-policy'], [SVG_CONTENT_SECURITY_POLICY], 'the SVG sandbox, on every answer');
  assert.equal(out['access-control-expose-headers'], [CORS_EXPOSED_HEADERS.join(', ')], 'timings and what range readers need');
});

headers('a cross-origin range read of an original through the local edge: 206 with Accept-Ranges, Content-Range and Content-Length exposed', async () => {
  const sample = await startSampleEdge();
  try {
    const response = await fetch(`${sample.url}/dev/guide.pdf`, { headers: { origin: 'https://reader.example', range: 'bytes=0-99' } });
    const body = Buffer.from(await response.arrayBuffer());
    assert.is(response.status, 206);
    assert.is(body.length, 100);
    assert.match(response.headers.get('content-range') || '', /^bytes 0-99\/\d+$/);
    assert.is(response.headers.get('content-length'), '100');
    assert.is(response.headers.get('access-control-allow-origin'), '*');
    const exposed = (response.headers.get('access-control-expose-headers') || '').split(/,\s*/);
    for (const name of ['accept-ranges', 'content-range', 'content-length']) assert.ok(exposed.indexOf(name) >= 0, `${name} exposed: ${exposed}`);
  } finally {
    await sample.close();
  }
});

headers.run();
