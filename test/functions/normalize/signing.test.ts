// Signed URLs through both built normalizers, built as `npm run build` builds them but with
// signing on: the Lambda@Edge bundle with the keys baked in, the CloudFront Function reading
// them from its (emulated) KeyValueStore. Keys are made up here; none lives in the repo.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildNormalizers } from '../../../scripts/build';
import { KEY_VALUE_STORE_KEY, signUrl, withWidth } from '../../../shared/signing';
import { configWith } from '../../helpers/config';
import { njsRuntime, normalizerRuntimes, type Answer, type Normalize } from '../../helpers/normalizers';

const OLD_KEY = randomBytes(32).toString('base64url');
const NEW_KEY = randomBytes(32).toString('base64url');
const RETIRED_KEY = randomBytes(32).toString('base64url');
const URI = '/prod/photos/cat.jpg';

interface Context { dirs: string[]; transforms: Array<[string, Normalize]>; originals: Array<[string, Normalize]>; noKeys: Array<[string, Normalize]>; presets: Array<[string, Normalize]> }
const signing = suite<Context>('signed URLs in both builds', { dirs: [] } as unknown as Context);

async function built(context: Context, config: Record<string, unknown>, keys: string[]): Promise<Array<[string, Normalize]>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'normalize-signing-'));
  context.dirs.push(dir);
  await buildNormalizers(configWith(config), keys, dir);
  return normalizerRuntimes(dir, keys.length ? { [KEY_VALUE_STORE_KEY]: keys.join('\n') } : {});
}

signing.before(async (context) => {
  context.transforms = await built(context, { signing: { enabled: true } }, [NEW_KEY, OLD_KEY]);
  context.originals = await built(context, { signing: { enabled: true, originals: true } }, [NEW_KEY]);
  context.noKeys = await built(context, { signing: { enabled: true } }, []);
  // Signing with presets, presetsOnly and widths, built for deploy.normalizer cloudfront-function:
  // the build refuses a script over CloudFront's 10 KB, so this also holds that it fits (issue 14
  // item 7). Both bundles, and the CloudFront Functions script in njs too where it is installed.
  const presets = { presets: { card: 'w=400&h=300', secret_crop: 'w=96&rect=0,0,10,10' }, presetsOnly: true, widths: [100, 400] };
  const dir = mkdtempSync(path.join(tmpdir(), 'normalize-signing-'));
  context.dirs.push(dir);
  await buildNormalizers(configWith({ signing: { enabled: true }, ...presets, deploy: { normalizer: 'cloudfront-function' } }), [NEW_KEY], dir);
  const store = { [KEY_VALUE_STORE_KEY]: NEW_KEY };
  const njs = njsRuntime(dir, store);
  context.presets = [...normalizerRuntimes(dir, store), ...(njs ? [['njs', njs] as [string, Normalize]] : [])];
});

signing.after((context) => {
  for (const dir of context.dirs) rmSync(dir, { recursive: true, force: true });
});

function split(url: string): [string, string] {
  const at = url.indexOf('?');
  return [url.slice(at + 1), url.slice(0, at)];
}

async function ask(normalize: Normalize, url: string, accept?: string): Promise<Answer> {
  const [query, uri] = split(url);
  return normalize(query, accept, uri);
}

function refused(code: number, line: string): Answer {
  return { status: code, contentType: 'text/plain; charset=utf-8', body: line + '\n' };
}

const now = () => Math.floor(Date.now() / 1000);

signing('round trip: a signed URL gets its canonical query, without sig or exp, in both builds', async ({ transforms }) => {
  for (const [runtime, normalize] of transforms) {
    const cases: Array<[string, string, string?]> = [
      [signUrl(`${URI}?h=150&w=200&utm=1`, NEW_KEY), 'w=200&h=150&f=source'],
      [signUrl(`${URI}?w=200&dpr=2`, NEW_KEY, { expires: now() + 3600 }), 'w=400&f=webp', 'image/webp'],
      [signUrl(`/prod/%EC%84%9C%EC%9A%B8.jpg?w=10&w=20&flag`, NEW_KEY), 'w=10&f=source'],
      [signUrl(`${URI}?__proto__=1&w=10`, NEW_KEY), 'w=10&f=source'],
    ];
    for (const [url, canonical, accept] of cases) {
      const [query, uri] = split(url);
      assert.equal(await normalize(query, accept, uri), { query: canonical }, `${runtime} ${url}`);
    }
  }
});

signing('each refusal reason: 403 and one line saying which', async ({ transforms }) => {
  const signed = signUrl(`${URI}?w=200`, NEW_KEY, { expires: now() + 3600 });
  const past = signUrl(`${URI}?w=200`, OLD_KEY, { expires: now() - 1 });
  for (const [runtime, normalize] of transforms) {
    const cases: Array<[string, RegExp]> = [
      [`${URI}?w=200`, /^sig is missing: this URL must be signed$/],
      [`${URI}?w=200&sig=abc`, /^sig must be 43 base64url characters \(HMAC-SHA256 without padding\), got "abc"$/],
      [`${URI}?sig=${'A'.repeat(43)}&w=200`, /^sig must be the last parameter$/],
      [signUrl(`${URI}?w=200&exp=tomorrow`, NEW_KEY), /^exp must be a time in Unix seconds, got "tomorrow"$/],
      [signed.replace('w=200', 'w=201'), /^sig does not match this URL$/],
      [signed.replace(/exp=\d+/, `exp=${now() + 7200}`), /^sig does not match this URL$/],
      [signed.replace(URI, '/prod/photos/dog.jpg'), /^sig does not match this URL$/],
      [signUrl(`${URI}?w=200`, RETIRED_KEY), /^sig does not match this URL$/],
      [past, /^the URL expired at \S+Z \(exp=\d+\)$/],
    ];
    for (const [url, line] of cases) {
      const answer = await ask(normalize, url);
      assert.ok('status' in answer && answer.status === 403 && line.test(answer.body.trimEnd()), `${runtime} ${url}: ${JSON.stringify(answer)}`);
      assert.not.ok(JSON.stringify(answer).includes(NEW_KEY) || JSON.stringify(answer).includes(OLD_KEY), 'never a key');
    }
  }
});

signing('rotation: both active keys sign; a key taken out of the list does not', async ({ transforms, originals }) => {
  for (const [runtime, normalize] of transforms) {
    for (const key of [NEW_KEY, OLD_KEY]) assert.equal(await ask(normalize, signUrl(`${URI}?w=300`, key)), { query: 'w=300&f=source' }, `${runtime}`);
  }
  for (const [runtime, normalize] of originals) {
    assert.equal(await ask(normalize, signUrl(`${URI}?w=300`, OLD_KEY)), refused(403, 'sig does not match this URL'), `${runtime}: OLD_KEY retired`);
  }
});

signing('bare URLs pass unsigned unless signing.originals, which refuses them like transforms', async ({ transforms, originals }) => {
  for (const [runtime, normalize] of transforms) assert.equal(await normalize('utm=1', undefined, URI), { query: '' }, runtime);
  for (const [runtime, normalize] of originals) {
    assert.equal(await normalize('', undefined, URI), refused(403, 'sig is missing: this URL must be signed'), runtime);
    assert.equal(await ask(normalize, signUrl(URI, NEW_KEY)), { query: '' }, runtime);
  }
});

signing('no keys (an empty KeyValueStore, a build without SIGNING_KEYS_FILE): every signature is refused', async ({ noKeys }) => {
  for (const [runtime, normalize] of noKeys) {
    assert.equal(await ask(normalize, signUrl(`${URI}?w=1`, NEW_KEY)), refused(403, 'sig cannot be checked: no signing keys are configured'), runtime);
  }
});

signing('path rules come before the signature: a signed URL with a NUL is still a 400', async ({ transforms }) => {
  for (const [runtime, normalize] of transforms) {
    const answer = await ask(normalize, signUrl('/prod/ok.png%00.jpg?w=10', NEW_KEY));
    assert.ok('status' in answer && answer.status === 400, `${runtime}: ${JSON.stringify(answer)}`);
  }
});

signing('signature first, in both builds and in njs: an unsigned request learns no parameter, allowed value or preset name, whatever its query', async ({ presets }) => {
  assert.equal(presets.map(([runtime]) => runtime).slice(0, 2), ['lambda@edge', 'cloudfront-function']);
  const unsigned = ['f=__proto__', 'p=zzz', 'w=abc', 'w=100', 'f=bmp', 'fit=stretch', '%ZZ=1', 'p=card&dpr=x', 'q=500&p=card'];
  for (const [runtime, normalize] of presets) {
    for (const query of unsigned) {
      assert.equal(await normalize(query, undefined, URI), refused(403, 'sig is missing: this URL must be signed'), `${runtime} ?${query}`);
    }
    // Signed, the same queries get their diagnostics.
    const answer = await ask(normalize, signUrl(`${URI}?p=zzz`, NEW_KEY));
    assert.equal(answer, refused(400, 'p must be one of card, secret_crop, got "zzz"'), runtime);
    assert.equal(await ask(normalize, signUrl(`${URI}?w=100`, NEW_KEY)), refused(403, 'w is not allowed here: this site serves presets only (p, one of card, secret_crop; with dpr and f=auto), got "w=100"'), runtime);
  }
});

signing('ws leaves w open, not allowed: under presetsOnly every width of a ws URL is 403 like any other w', async ({ presets }) => {
  const ranged = signUrl(`${URI}?f=webp`, NEW_KEY, { widths: { min: 50, max: 500 } });
  for (const [runtime, normalize] of presets) {
    assert.equal(await ask(normalize, withWidth(ranged, 100)), refused(403, 'w is not allowed here: this site serves presets only (p, one of card, secret_crop; with dpr and f=auto), got "w=100"'), runtime);
    // A preset's own w is a width like any other: in the range, served; outside it, 403.
    assert.equal(await ask(normalize, signUrl(`${URI}?p=card`, NEW_KEY, { widths: { min: 50, max: 500 } })), { query: 'w=400&h=300&f=source' }, runtime);
    assert.equal(await ask(normalize, signUrl(`${URI}?p=card`, NEW_KEY, { widths: { min: 50, max: 300 } })), refused(403, 'w must be within ws=50-300 (min-max widths, after dpr), got 400'), runtime);
  }
});

signing.run();
