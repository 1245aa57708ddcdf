// Every fixture case through dist/normalize-cff in a second engine, njs, compared with the
// answers of node:vm (V8): a feature that V8 accepts but an ES5.1-based engine does not, or a
// difference in string, number or regular-expression behaviour, fails here before CloudFront.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cloudFrontFunctionNormalizer, distDir } from '../../helpers/bundles';
import { cffViewerRequest } from '../../helpers/events';
import { acceptCases, distinctRequests, equivalentGroups, fixture, rejectedCases, type RequestCase } from '../../helpers/fixtures';
import { keyValueStoreModule, njsVersion, runInNjs } from '../../helpers/njs';

const version = njsVersion();

function pairs(query: string): Array<[string, string]> {
  return query.split('&').filter(Boolean).map((pair): [string, string] => {
    const eq = pair.indexOf('=');
    return eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
  });
}

/** Every request the fixtures hold, as CloudFront Functions events (config-specific cases excluded, as in bundles.test). */
function fixtureRequests(): RequestCase[] {
  return [
    ...equivalentGroups().filter((g) => !g.config).flatMap((g) => g.requests),
    ...distinctRequests(),
    ...rejectedCases().filter((c) => !c.config).map((c) => ({ query: c.query })),
    ...acceptCases().map((c) => ({ query: 'w=200', accept: c.accept })),
    { query: 'w=100&w=300&f=png' },
  ];
}

if (!version) {
  test.skip('njs: every fixture case gives the same answer in njs as in node:vm (skipped: njs is not installed; .ci/run installs Debian\'s njs)');
  console.log('engines.test.ts: skipped, njs is not installed (apt-get install njs)');
} else {
  test(`njs ${version}: every fixture case gives the same answer in njs as in node:vm`, async () => {
    const script = readFileSync(path.join(distDir, 'normalize-cff/index.js'), 'utf8');
    const requests = fixtureRequests();
    const events = requests.map((r) => cffViewerRequest(pairs(r.query), r.accept));
    // The path rows too: the canonical path (decodeURIComponent, encodeURIComponent, the regular expressions) in njs.
    for (const row of fixture<{ cases: Array<{ uri: string; query: string }> }>('normalize/paths.json').cases) {
      const event = cffViewerRequest(pairs(row.query));
      event.request.uri = row.uri;
      requests.push({ query: row.query });
      events.push(event);
    }
    const vm = cloudFrontFunctionNormalizer();
    const answers = runInNjs(script, events.map((event, i) => ({ event, rawQueryString: requests[i].query })), { cloudfront: keyValueStoreModule() });
    assert.is(answers.length, events.length);
    assert.ok(events.length > 50, `${events.length} cases`);
    for (let i = 0; i < requests.length; i++) {
      assert.equal(answers[i], { ok: await vm(JSON.parse(JSON.stringify(events[i])), requests[i].query) }, `${events[i].request.uri}?${requests[i].query} Accept: ${requests[i].accept}`);
    }
  });

  test('njs: the harness gives handlers a crypto module with createHmac, as CloudFront Functions do', () => {
    const script = `import crypto from 'crypto';
function handler(event) { return crypto.createHmac('sha256', 'secret').update(event.request.uri).digest('hex'); }`;
    const [answer] = runInNjs(script, [{ event: { request: { uri: '/prod/a.jpg' } } }]);
    assert.equal(answer, { ok: createHmac('sha256', 'secret').update('/prod/a.jpg').digest('hex') });
  });

  test('njs: a handler that throws is reported, not lost (the harness can fail)', () => {
    const [answer] = runInNjs('function handler(event) { throw new Error("bad " + event.n); }', [{ event: { n: 1 } }]);
    assert.equal(answer, { error: 'Error: bad 1' });
  });
}

test.run();
