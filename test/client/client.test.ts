// The client package's functions (from its source; test/client/pack.test.ts runs the packed
// tarball): one URL per variant, the normalizer's own messages, keys encoded as CloudFront
// decodes them, srcset and sizes, and ThumbHash placeholders that decode.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { edgeConfig } from '../../client/src/config';
import { encodeKey, imageUrl, placeholder, sizes, srcset, type ImageParams } from '../../client/src/index';
import { isResizerError } from '../../shared/errors';
import { lambdaNormalizer } from '../helpers/bundles';
import { viewerRequest } from '../helpers/events';
import { normalizerRuntimes } from '../helpers/normalizers';
import { configWith } from '../helpers/config';
import { buildNormalizers } from '../../scripts/build';
import { rejectedCases } from '../helpers/fixtures';

const BASE = 'https://images.example.com/prod';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
}

/** A fixture query as the params object a site would write, or null when it cannot be one (bad encoding). */
function paramsOf(query: string): ImageParams | null {
  const params: Record<string, string> = {};
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    try {
      const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      if (!(name in params)) params[name] = decodeURIComponent(eq < 0 ? '' : pair.slice(eq + 1));
    } catch (_) {
      return null;
    }
  }
  return params as ImageParams;
}

test('every spelling of a variant is one URL: order, aliases, defaults, dpr, parameters left undefined', () => {
  const expected = `${BASE}/photos/cat.jpg?w=400&h=300&f=jpeg`;
  const spellings: ImageParams[] = [
    { w: 400, h: 300, f: 'jpeg' },
    { f: 'jpg' as 'jpeg', h: 300, w: 400 },
    { w: 200, h: 150, dpr: 2, f: 'jpeg', q: 80, fit: 'cover', pos: 'center', rot: 0, blur: 0, gray: '0', anim: '1' },
    { h: 300, w: 400, f: 'jpeg', q: undefined, pos: '0.5,0.5' as 'center' },
  ];
  for (const params of spellings) assert.is(imageUrl(BASE, 'photos/cat.jpg', params), expected, JSON.stringify(params));
  assert.is(imageUrl(BASE + '/', '/photos/cat.jpg', { w: 400, h: 300, f: 'jpeg' }), expected, 'slashes between base and path');
});

test('f left out or auto stays for the edge; what matters for any format it may pick stays too', () => {
  assert.is(imageUrl(BASE, 'a.jpg', { w: 200 }), `${BASE}/a.jpg?w=200`);
  assert.is(imageUrl(BASE, 'a.jpg', { q: 80, w: 200, f: 'auto' }), `${BASE}/a.jpg?w=200&q=80`);
  assert.is(imageUrl(BASE, 'a.jpg', { f: 'auto' }), `${BASE}/a.jpg?f=auto`, 'the edge\'s choice, not the original');
  assert.is(imageUrl(BASE, 'a.jpg'), `${BASE}/a.jpg`, 'no parameters: the original');
  assert.is(imageUrl(BASE, 'a.jpg', { w: 300, f: 'json', q: 50 }), `${BASE}/a.jpg?w=300&f=json`, 'f=json, q folds');
});

test('property: the normalizer leaves the URL\'s query as it is but for resolving f', async () => {
  const normalize = lambdaNormalizer();
  const samples = fc.sample(fc.record({
    w: fc.integer({ min: 1, max: 5000 }), h: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
    q: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
    f: fc.constantFrom(undefined, 'auto', 'webp', 'jpeg', 'png', 'source', 'json'),
    fit: fc.constantFrom(undefined, 'cover', 'contain', 'inside'), blur: fc.constantFrom(undefined, 0, 2.25), gray: fc.constantFrom(undefined, '0', '1'),
    bg: fc.constantFrom(undefined, 'fff', '00000080'), dpr: fc.constantFrom(undefined, 1, 2, 1.5),
  }, { requiredKeys: ['w'] }), { numRuns: 150 });
  for (const params of samples) {
    const url = imageUrl(BASE, 'a.jpg', params as ImageParams);
    const query = url.slice(url.indexOf('?') + 1);
    for (const accept of ['image/avif,image/webp,*/*', 'image/jpeg']) {
      const result = await normalize(viewerRequest(query, accept)) as { querystring: string };
      // Resolving f can fold what only some formats use (q at a format's default, bg under alpha, anim); nothing else changes.
      const ours = query.split('&').filter((pair) => !pair.startsWith('f='));
      const theirs = result.querystring.split('&').filter((pair) => !pair.startsWith('f='));
      for (const pair of theirs) assert.ok(ours.includes(pair), `${url} with Accept ${accept} gained ${pair}: ${result.querystring}`);
      for (const pair of ours) assert.ok(theirs.includes(pair) || /^(q|bg|anim)=/.test(pair), `${url} with Accept ${accept} lost ${pair}: ${result.querystring}`);
      if (params.f && params.f !== 'auto') assert.is(result.querystring, query, `an explicit f: already canonical (${url})`);
    }
    assert.is(imageUrl(BASE, 'a.jpg', Object.fromEntries(new URLSearchParams(query)) as ImageParams), url, 'a URL read back gives itself');
  }
});

test('invalid parameters throw the normalizer\'s one-line 400, row for row of the rejected fixtures', async () => {
  const normalize = lambdaNormalizer();
  let checked = 0;
  for (const rejected of rejectedCases()) {
    const params = paramsOf(rejected.query);
    if (!params) continue;
    const error = thrown(() => imageUrl(BASE, 'a.jpg', params, { config: rejected.config && edgeConfig(rejected.config) }));
    assert.ok(isResizerError(error), String(error));
    assert.is(error.status, 400);
    assert.is(error.message, rejected.message, rejected.query);
    checked++;
  }
  assert.ok(checked >= 30, `${checked} rows`);
  const answer = await normalize(viewerRequest('w=abc')) as { status: string; body: string };
  assert.is(`${answer.status} ${answer.body.trim()}`, `400 ${thrown(() => imageUrl(BASE, 'a.jpg', { w: 'abc' as unknown as number })).message}`);
  assert.is(thrown(() => imageUrl(BASE, 'a.jpg', { width: 200 } as ImageParams)).message, 'width is not a parameter: one of w, h, f, q, fit, pos, rot, flip, pad, bg, blur, sharpen, gray, rect, anim, trim, brightness, contrast, saturation, wm, dpr, p');
});

test('keys are percent-encoded per segment, as the resizer decodes them back', () => {
  for (const key of ['dev/서울 야경.jpg', 'a+b/c%d.png', 'q?/#hash.jpg', 'sp ace/&=;.webp']) {
    const encoded = encodeKey(key);
    assert.not.match(encoded, /[ ?#&=;+]/, encoded);
    assert.is(encoded.split('/').map(decodeURIComponent).join('/'), key);
  }
  assert.is(imageUrl(BASE, '/dev/서울 야경.jpg', { w: 360 }), `${BASE}/dev/%EC%84%9C%EC%9A%B8%20%EC%95%BC%EA%B2%BD.jpg?w=360`);
  assert.match(thrown(() => imageUrl(BASE, 'https://elsewhere/a.jpg')).message, /^path must be an object key/);
  assert.match(thrown(() => imageUrl(BASE, '/')).message, /^path must be an object key/);
});

test('srcset: one candidate per width the edge really makes, named by that width; sizes', () => {
  assert.is(srcset('a.jpg', { base: BASE, widths: [320, 640], params: { f: 'webp', q: 70 } }), `${BASE}/a.jpg?w=320&f=webp&q=70 320w, ${BASE}/a.jpg?w=640&f=webp&q=70 640w`);
  assert.is(srcset('a.jpg', { base: BASE, widths: [2000, 4096, 5000, 8000] }), `${BASE}/a.jpg?w=2000 2000w, ${BASE}/a.jpg?w=4096 4096w`, 'clamped to maxDimension, once');
  assert.is(srcset('a.jpg', { base: BASE, widths: [300, 600], config: edgeConfig({ maxDimension: 500 }) }), `${BASE}/a.jpg?w=300 300w, ${BASE}/a.jpg?w=500 500w`, 'the edge\'s own config');
  assert.is(srcset('a.jpg', { base: BASE }).split(', ').length, 9, 'default widths');
  assert.is(sizes([['(max-width: 700px)', '100vw'], [' (max-width: 1200px)', '50vw']], '640px'), '(max-width: 700px) 100vw, (max-width: 1200px) 50vw, 640px');
});

// Config `widths` (issue 10's allowlist): the client snaps with the normalizer's own code, and
// both builds built with the allowlist keep every candidate's URL as it is, at the width it names.
test('srcset with config widths: the edge\'s allowlist is the default, and asked-for widths snap to it', () => {
  const config = edgeConfig({ widths: [320, 640, 1080] });
  const expected = `${BASE}/a.jpg?w=320 320w, ${BASE}/a.jpg?w=640 640w, ${BASE}/a.jpg?w=1080 1080w`;
  assert.is(srcset('a.jpg', { base: BASE, config }), expected);
  assert.is(srcset('a.jpg', { base: BASE, config, widths: [100, 300, 500, 2000] }), expected, 'snapped up, capped at the largest, once each');
  assert.is(imageUrl(BASE, 'a.jpg', { w: 500 }, { config }), `${BASE}/a.jpg?w=640`);
  assert.is(srcset('a.jpg', { base: BASE, config, widths: [200, 500], aspectRatio: 2 }), `${BASE}/a.jpg?w=320&h=160 320w, ${BASE}/a.jpg?w=640&h=320 640w`, 'h scales with w\'s factor: one shape for every candidate');
});

test('srcset with config widths: both normalizer builds snap each candidate to the width it names, and change nothing else', async () => {
  const widths = [64, 256, 400, 1080];
  const dir = mkdtempSync(path.join(tmpdir(), 'client-widths-'));
  try {
    const full = configWith({ widths });
    await buildNormalizers(full, [], dir);
    const config = edgeConfig({ widths });
    const asked = [1, 65, 300, 401, 900, 5000];
    const candidates = srcset('a.jpg', { base: BASE, config, widths: asked, aspectRatio: 4, params: { f: 'webp' } }).split(', ').map((candidate) => candidate.split(' '));
    assert.equal(candidates.map(([, label]) => label), ['64w', '256w', '400w', '1080w']);
    const queryOf = (url: string) => url.slice(url.indexOf('?') + 1);
    for (const [runtime, normalize] of normalizerRuntimes(dir, {})) {
      for (const [url, label] of candidates) {
        assert.equal(await normalize(queryOf(url), 'image/webp'), { query: queryOf(url) }, `${runtime}: ${url} is already canonical`);
        assert.is(`${new URLSearchParams(queryOf(url)).get('w')}w`, label, `${runtime}: ${url}`);
      }
      // The widths whose candidates were kept (900 and 5000 snap to 1080 too, with another h: dropped), asked for by hand, land on those keys.
      for (const width of asked.slice(0, 4)) {
        const answer = await normalize(`w=${width}&h=${Math.max(1, Math.round(width / 4))}&f=webp`, 'image/webp') as { query: string };
        assert.ok(candidates.some(([url]) => queryOf(url) === answer.query), `${runtime}: w=${width} gives ${answer.query}, no candidate of ${JSON.stringify(candidates)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('placeholder: a ThumbHash becomes a PNG data URL that decodes to its small render', async () => {
  const width = 60;
  const height = 30;
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([20, 120, 220, 255], i * 4);
  const thumbhash = Buffer.from(rgbaToThumbHash(width, height, rgba)).toString('base64');
  const url = placeholder({ thumbhash });
  assert.match(url, /^data:image\/png;base64,/);
  const png = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.ok(info.width > info.height && info.width <= 32, `${info.width}x${info.height}: the 2:1 shape`);
  assert.ok(Math.abs(data[0] - 20) < 24 && Math.abs(data[1] - 120) < 24 && Math.abs(data[2] - 220) < 24, `colour ${[...data.subarray(0, 3)]}`);
});

test.run();
