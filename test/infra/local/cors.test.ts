// The response-headers policy's CORS decision.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CORS_POLICY, corsHeaders, isPreflight } from '../../../infra/local/cors';

const cors = suite('local edge CORS');

const CASES: Array<[string, string | undefined, readonly string[], boolean, string | undefined]> = [
  ['any origin with "*"', 'https://a.example', ['*'], false, '*'],
  ['a listed origin is echoed', 'https://a.example', ['https://a.example', 'https://b.example'], false, 'https://a.example'],
  ['an unlisted origin gets nothing', 'https://evil.example', ['https://a.example'], false, undefined],
  ['the scheme is part of the origin', 'http://a.example', ['https://a.example'], false, undefined],
  ['the port is part of the origin', 'https://a.example:8443', ['https://a.example'], false, undefined],
  ['no Origin header: not a CORS request', undefined, ['*'], false, undefined],
  ['a preflight from a listed origin', 'https://a.example', ['https://a.example'], true, 'https://a.example'],
  ['a preflight from an unlisted origin', 'https://evil.example', ['https://a.example'], true, undefined],
];

cors('access-control-allow-origin only for allowed origins', () => {
  for (const [name, origin, allowed, preflight, expected] of CASES) {
    assert.is(corsHeaders(origin, allowed, preflight)['access-control-allow-origin'], expected, name);
  }
});

cors('preflights get methods and max-age; simple requests get the exposed headers', () => {
  const preflight = corsHeaders('https://a.example', ['*'], true);
  assert.is(preflight['access-control-allow-methods'], 'GET, HEAD, OPTIONS');
  assert.is(preflight['access-control-max-age'], String(CORS_POLICY.maxAgeSeconds));
  assert.is(preflight['access-control-expose-headers'], undefined);
  const simple = corsHeaders('https://a.example', ['*'], false);
  assert.ok(simple['access-control-expose-headers'].split(', ').includes('x-cache'));
  assert.is(simple['access-control-allow-methods'], undefined);
  assert.equal(corsHeaders('https://evil.example', ['https://a.example'], true), {});
});

cors('a preflight is an OPTIONS with Origin and Access-Control-Request-Method', () => {
  assert.ok(isPreflight('OPTIONS', { origin: 'https://a.example', 'access-control-request-method': 'GET' }));
  assert.not.ok(isPreflight('OPTIONS', { origin: 'https://a.example' }));
  assert.not.ok(isPreflight('GET', { origin: 'https://a.example', 'access-control-request-method': 'GET' }));
});

cors.run();
