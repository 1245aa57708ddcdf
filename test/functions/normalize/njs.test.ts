// The CloudFront Functions bundle with signing on, run by njs (nginx's JavaScript engine, the
// one CloudFront Functions is built on) with njs's own crypto HMAC, against URLs signed by
// signUrl's pure JavaScript HMAC. The KeyValueStore is a small stand-in module (CloudFront's
// `cloudfront` module does not exist outside CloudFront). Skips, saying so, without njs.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildNormalizers } from '../../../scripts/build';
import { KEY_VALUE_STORE_KEY, signUrl, withWidth } from '../../../shared/signing';
import { configWith } from '../../helpers/config';

const NJS = process.env.NJS_PATH || '/usr/bin/njs';
const hasNjs = spawnSync(NJS, ['-v'], { encoding: 'utf8' }).status === 0;
const KEYS = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')];

(hasNjs ? test : test.skip)('njs runs the async handler: KeyValueStore keys, its crypto HMAC, and signUrl agree (ws ranges too)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'normalize-njs-'));
  try {
    await buildNormalizers(configWith({ signing: { enabled: true } }), [], dir);
    // njs resolves module files by their full name.
    const bundle = readFileSync(path.join(dir, 'normalize-cff/index.js'), 'utf8').replace("from 'cloudfront';", "from 'cloudfront.js';");
    writeFileSync(path.join(dir, 'cloudfront.js'), `var store = ${JSON.stringify({ [KEY_VALUE_STORE_KEY]: KEYS.join('\n') })};
export default { kvs: function () { return { get: function (key) { return key in store ? Promise.resolve(store[key]) : Promise.reject(new Error('missing ' + key)); } }; } };\n`);
    const uri = '/dev/photo.jpg';
    const ranged = signUrl(`${uri}?f=png`, KEYS[0], { widths: { min: 100, max: 300 } });
    const queries = [
      signUrl(`${uri}?h=100&w=200`, KEYS[0]), signUrl(`${uri}?w=50&f=png`, KEYS[1], { expires: 4102444800 }),
      `${uri}?w=200`, signUrl(`${uri}?w=200`, KEYS[0]).replace('w=200', 'w=201'), signUrl(`${uri}?w=9`, KEYS[0], { expires: 1 }),
      // One ws signature: a w inside the range, one outside.
      withWidth(ranged, 150), withWidth(ranged, 400),
    ].map((url) => url.slice(url.indexOf('?') + 1));
    const driver = `
var queries = ${JSON.stringify(queries)};
async function main() {
  for (var i = 0; i < queries.length; i++) {
    var q = queries[i];
    var event = { version: '1.0', context: {}, viewer: { ip: '192.0.2.1' }, request: { method: 'GET', uri: '${uri}', querystring: {}, headers: { accept: { value: 'image/webp' } }, cookies: {}, rawQueryString: function () { return q; } } };
    var result = await handler(event);
    console.log(JSON.stringify(result.statusCode ? [result.statusCode, result.body] : result.querystring));
  }
}
main();
`;
    writeFileSync(path.join(dir, 'run.js'), bundle + driver);
    const run = spawnSync(NJS, ['-p', dir, path.join(dir, 'run.js')], { encoding: 'utf8' });
    assert.is(run.status, 0, run.stderr || run.stdout);
    assert.equal(run.stdout.trim().split('\n').map((line) => JSON.parse(line)), [
      { w: { value: '200' }, h: { value: '100' }, f: { value: 'webp' } },
      { w: { value: '50' }, f: { value: 'png' } },
      [403, 'sig is missing: this URL must be signed\n'],
      [403, 'sig does not match this URL\n'],
      [403, 'the URL expired at 1970-01-01T00:00:01.000Z (exp=1)\n'],
      { w: { value: '150' }, f: { value: 'png' } },
      [403, 'w must be within ws=100-300 (min-max widths, after dpr), got 400\n'],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

if (!hasNjs) console.log(`njs.test.ts: skipped, ${NJS} is not installed (apt-get install njs)`);
test.run();
