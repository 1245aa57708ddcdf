// The promise of the cache key, checked against real pixels: over generated requests (permuted
// spellings of the path and the query), two requests the normalizer gives one key decode to
// identical pixels on every image, and two it gives different keys are told apart by at least
// one image. Each request is rendered as it was *asked*, not as the normalizer rewrote it: its
// own parameters, without fold or respell rules (only w, h and f come from the canonical form,
// since dpr and Accept are resolved there), through the real resizer (plan + sharp) on images
// stored under keys S3 reads by decoding the path. So a fold that drops something that
// matters, or a composition that is not folded, fails here.
//
// A new parameter row plugs in with its SAMPLES entry (the map is keyed by the table: a row
// without samples does not compile): values that, on at least one of the images, look
// different from each other and from the row's absence, unless the fold rules say they cannot.
import fc from 'fast-check';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalPath } from '../../functions/normalize/path';
import { drawWatermark, openSource, pipeline, render, trimSource } from '../../functions/resize/transform';
import { canonicalize, formatCanonical, parseQuery, type CanonicalTransform } from '../../shared/canonical';
import { parseConfig } from '../../shared/config';
import { isResizerError } from '../../shared/errors';
import { PARAMS, type ParamName, type ParamRow } from '../../shared/params';
import { planTransform } from '../../shared/plan';
import { animated, photoLike, transparentPng } from '../helpers/images';

/** The defaults, with two watermarks (one overlay drawn two ways) so that `wm` is sampled too. */
const config = parseConfig({
  watermarks: {
    logo: { key: 'dev/mark.png', gravity: 'bottom-right', width: 0.3, opacity: 0.6 },
    corner: { key: 'dev/mark.png', gravity: 'top-left', width: 0.5, margin: 0 },
  },
});
/** The overlay, decoded as the resizer keeps it (raw RGBA): an opaque red 20x10. */
const OVERLAY = { data: Buffer.alloc(20 * 10 * 4).fill(Buffer.from([255, 0, 0, 255])), width: 20, height: 10 };

/**
 * Values per row, in any spelling the row accepts. avif is left out of `f` only for time (its
 * encoder is the slowest); json answers facts, not pixels (the fixtures hold its folds).
 */
const SAMPLES: { readonly [K in ParamName]: readonly string[] } = {
  // Times the largest dpr, smaller than every rect sample and most images: a w at least the rect's width is a no-op without enlargement (not folded: see docs/behaviour.md).
  w: ['16', '24'],
  h: ['12', '20'],
  f: ['jpeg', 'jpg', 'png', 'webp', 'gif', 'source', 'auto'],
  q: ['30', '90', '80'],
  fit: ['cover', 'contain', 'fill', 'inside', 'outside'],
  pos: ['center', 'top', 'left', 'bottom-right', '0.2,0.8', '0.5,0.5'],
  rot: ['0', '90', '180', '270', '-90', '450'],
  flip: ['h', 'v', 'hv', 'vh'],
  bg: ['f00', 'FF0000', 'ff000080', 'ffffff00', 'FFFFFF', '00ff00ff'],
  blur: ['0', '2', '2.04'],
  sharpen: ['0', '3'],
  gray: ['0', '1'],
  rect: ['0,0,60,50', '10,5,70,60'],
  anim: ['0', '1'],
  pad: ['2', '02', '3'],
  trim: ['10', '40'],
  brightness: ['1', '1.00', '1.5', '0.7'],
  contrast: ['1', '1.5', '1.504', '0.5'],
  saturation: ['1', '0', '2', '1.001'],
  wm: ['logo', 'corner'],
  dpr: ['1', '2', '1.5'],
  // No presets in this config: p would be a 400.
  p: [],
};
const NAMES = (Object.keys(SAMPLES) as ParamName[]).filter((name) => SAMPLES[name].length > 0);
const ACCEPTS = [undefined, 'image/webp,*/*'];

/** Images of different shapes and kinds, stored under keys that need escaping. */
const KEYS = ['dev/photo (1)+é.jpg', 'dev/square~*.png', 'dev/anim!.gif', 'dev/tall.jpg', 'dev/small.avif', 'dev/framed.png'];
let images: Map<string, Buffer>;

/** One spelling of a key as a path: per character raw or escaped (either hex case); a space as + or %20. */
function spellPath(key: string, choices: readonly number[]): string {
  let i = 0;
  return '/' + key.split('/').map((segment) => Array.from(segment).map((char) => {
    const choice = choices[i++ % choices.length];
    const escaped = Array.from(new TextEncoder().encode(char), (b) => '%' + b.toString(16).padStart(2, '0')).join('');
    if (char === ' ') return choice === 0 ? '+' : '%20';
    if (char === '+') return choice === 0 ? '%2B' : '%2b';
    if (choice === 0) return char;
    return choice === 1 ? escaped.toUpperCase() : escaped;
  }).join('')).join('/');
}

/** The key S3 reads from a path: a raw + is a space, then every escape decoded. */
function s3Key(path: string): string {
  return decodeURIComponent(path.slice(1).replace(/\+/g, ' '));
}

/** One spelling of a name or value: some characters percent-escaped. */
function spellPart(text: string, choices: readonly number[]): string {
  return Array.from(text).map((char, i) => (choices[i % choices.length] === 2 ? '%' + char.charCodeAt(0).toString(16).toUpperCase() : char)).join('');
}

interface Request { readonly pairs: ReadonlyArray<readonly [ParamName, string]>; readonly accept?: string }

const PAIR = fc.constantFrom(...NAMES).chain((name) => fc.tuple(fc.constant(name), fc.constantFrom(...SAMPLES[name])));
const REQUEST: fc.Arbitrary<Request> = fc.record({
  pairs: fc.uniqueArray(PAIR, { maxLength: 6, selector: ([name]) => name }),
  accept: fc.constantFrom(...ACCEPTS),
});

/** Another request: a respelling of the first (order, escapes, aliases, equivalent values), or one parameter changed, added or removed. */
const OTHER = (first: Request): fc.Arbitrary<Request> => fc.oneof(
  fc.shuffledSubarray([...first.pairs], { minLength: first.pairs.length }).map((pairs) => ({ pairs, accept: first.accept })),
  fc.tuple(PAIR, fc.nat()).map(([pair, at]) => {
    const pairs = first.pairs.filter(([name]) => name !== pair[0]);
    pairs.splice(at % (pairs.length + 1), 0, pair);
    return { pairs, accept: first.accept };
  }),
  fc.nat().map((at) => ({ pairs: first.pairs.filter((_, i) => first.pairs.length === 0 || i !== at % first.pairs.length), accept: first.accept })),
  fc.constantFrom(...ACCEPTS).map((accept) => ({ pairs: first.pairs, accept })),
);

const CHOICES = fc.array(fc.nat(2), { minLength: 1, maxLength: 6 });

function queryOf(request: Request, choices: readonly number[]): string {
  return request.pairs.map(([name, value], i) => spellPart(name, choices.slice(i)) + '=' + spellPart(value, choices.slice(i + 1))).join('&');
}

/**
 * The transform as asked: the canonical w, h and f (dpr and Accept resolved) and q, and every
 * other parameter exactly as the URL gave it, folds and respellings not applied. Null: bare.
 */
function asAsked(query: string, accept: string | undefined): CanonicalTransform | null {
  const requested = parseQuery(query, config) as Record<string, unknown>;
  const canonical = canonicalize(requested, accept, config) as Record<string, unknown> | null;
  if (!canonical) return null;
  const out: Record<string, unknown> = {};
  for (const row of PARAMS as ReadonlyArray<ParamRow & { param: ParamName }>) {
    if (row.canonical === false) continue;
    const value = row.param === 'w' || row.param === 'h' || row.param === 'f' ? canonical[row.param] : requested[row.param];
    if (value !== undefined) out[row.param] = value;
  }
  return out as CanonicalTransform;
}

const rendered = new Map<string, Promise<string>>();

/** What a viewer sees: format, size, frames and every RGBA byte; or the refusal. Memoized. */
function outcome(key: string, transform: CanonicalTransform | null): Promise<string> {
  const memo = key + ' ' + JSON.stringify(transform);
  if (!rendered.has(memo)) rendered.set(memo, (async () => {
    const source = images.get(key)!;
    let bytes = source;
    if (transform) {
      try {
        // As the resizer does (functions/resize/resize.ts planOutput, answerImage): plan the
        // original (its refusals), trim in a pass of its own, plan what was trimmed, build the
        // pipeline, draw the watermark on it, encode.
        const first = await openSource(source);
        planTransform(transform, first.source, config);
        const opened = transform.trim === undefined ? first : await trimSource(first, transform.trim, 20);
        const plan = planTransform(transform, opened.source, config);
        let built = await pipeline(opened, plan, config, 20);
        if (plan.watermark) built = { image: await drawWatermark(built.image, plan, OVERLAY, 20) };
        bytes = (await render(built, plan, { timeoutSeconds: 20, animation: plan.watermark && plan.animated ? first.source : undefined })).data;
      } catch (error) {
        if (isResizerError(error) && error.status === 422) return `422 ${error.code}`;
        throw error;
      }
    }
    const { data, info } = await sharp(bytes, { animated: true }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const format = (await sharp(bytes).metadata()).format;
    return `${format} ${info.width}x${info.height} ${data.toString('base64')}`;
  })());
  return rendered.get(memo)!;
}

/**
 * A photo in a 3-pixel ring 25 levels of red off its 3-pixel outer border: trim=10 takes the
 * border only, trim=40 the ring too. No other image tells trim's thresholds apart (a gradient
 * photo has no uniform border at all, the transparent square's border is far from its centre),
 * so without it a pair of trims could be two keys that no image separates.
 */
async function framed(): Promise<Buffer> {
  const ringed = await sharp(await photoLike(24, 16)).extend({ top: 3, bottom: 3, left: 3, right: 3, background: { r: 225, g: 200, b: 200 } }).png().toBuffer();
  return sharp(ringed).extend({ top: 3, bottom: 3, left: 3, right: 3, background: { r: 200, g: 200, b: 200 } }).png().toBuffer();
}

/**
 * An animation asked to turn is 422 (sharp cannot rotate one) where its canonical spelling may
 * be a mirror only: the key serves the better answer, so such an image says nothing about the pair.
 */
const turnedAnimation = (answer: string) => answer === '422 unsupported_source';

test('property: one key, identical pixels on every image; different keys, some image tells them apart', async () => {
  images = new Map([
    [KEYS[0], await photoLike(96, 64)],
    [KEYS[1], await transparentPng(80, 80)],
    [KEYS[2], await animated(40, 30, 3)],
    [KEYS[3], await photoLike(48, 96)],
    // f=source keeps avif, whose default quality is not jpeg's and webp's: q=80 matters there.
    [KEYS[4], await sharp(await photoLike(64, 48)).avif({ quality: 60 }).toBuffer()],
    [KEYS[5], await framed()],
  ]);
  let same = 0;
  let different = 0;
  await fc.assert(fc.asyncProperty(
    REQUEST.chain((first) => fc.tuple(fc.constant(first), OTHER(first))), CHOICES, CHOICES, CHOICES, CHOICES,
    async ([first, second], pathA, pathB, queryA, queryB) => {
      const keys: string[][] = [];
      const answers: string[][] = [];
      for (const key of KEYS) {
        const row: string[] = [];
        const seen: string[] = [];
        for (const [request, pathChoices, queryChoices] of [[first, pathA, queryA], [second, pathB, queryB]] as const) {
          const path = spellPath(key, pathChoices);
          const query = queryOf(request, queryChoices);
          assert.is(s3Key(path), key, path);
          row.push(canonicalPath(path) + '?' + formatCanonical(canonicalize(parseQuery(query, config), request.accept, config)));
          seen.push(await outcome(s3Key(path), asAsked(query, request.accept)));
        }
        keys.push(row);
        answers.push(seen);
      }
      const label = `?${queryOf(first, [0])} (${first.accept}) vs ?${queryOf(second, [0])} (${second.accept})`;
      const sameKey = keys.map(([a, b]) => a === b);
      // The path never decides: every image agrees on whether the two queries are one key.
      assert.ok(sameKey.every((s) => s === sameKey[0]), `${label}: ${JSON.stringify(keys)}`);
      if (sameKey[0]) {
        same++;
        answers.forEach(([a, b], i) => {
          if (turnedAnimation(a) || turnedAnimation(b)) return;
          assert.ok(a === b, `${label}: one key ${keys[i][0]}, different pixels on ${KEYS[i]} (${a.slice(0, 40)} vs ${b.slice(0, 40)})`);
        });
      } else {
        different++;
        assert.ok(answers.some(([a, b]) => a !== b), `${label}: keys ${keys[0][0]} and ${keys[0][1]}, but no image tells them apart`);
      }
    }), { numRuns: Number(process.env.KEYS_PIXELS_RUNS || 60) });
  // Both halves of the property were exercised.
  assert.ok(same >= 5 && different >= 5, `${same} pairs with one key, ${different} with two`);
});

test.run();
