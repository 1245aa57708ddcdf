// The bound `npm run build` prints, against the keys the normalizer really makes: exact under
// presetsOnly (every URL a viewer may write is tried), an upper bound otherwise (no sample of
// generated URLs ever makes more distinct keys), and "unbounded" naming what makes it so.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalQuery } from '../../shared/canonical';
import { isResizerError } from '../../shared/errors';
import { keyBoundLine, maxKeysPerOriginal } from '../../shared/key-bound';
import { PARAM_NAMES } from '../../shared/params';
import { configWith } from '../helpers/config';

const PRESETS = { card: 'w=400&h=300&fit=cover', thumb: 'w=96&h=96&fit=cover&f=webp&q=60', hero: 'w=1920&sharpen=1&pos=attention' };
const ACCEPTS = [undefined, '', 'image/webp', 'image/avif,image/webp', 'image/avif', 'image/jpeg', '*/*'];
const DPRS = ['', '1', '1.01', '1.25', '1.5', '1.99', '2', '2.5', '3', '3.5', '4', '9', '0.5'];

function keyOrRefusal(query: string, accept: string | undefined, config: ReturnType<typeof configWith>): string | null {
  try {
    return canonicalQuery(query, accept, config);
  } catch (error) {
    if (isResizerError(error) && (error.status === 400 || error.status === 403)) return null;
    throw error;
  }
}

for (const [label, overrides] of [
  ['presetsOnly, no densities (1, 2 and 3)', { presets: PRESETS, presetsOnly: true }],
  ['presetsOnly with densities [1, 2]', { presets: PRESETS, presetsOnly: true, densities: [1, 2] }],
  ['presetsOnly with densities [1, 1.5, 2] and autoAvif', { presets: PRESETS, presetsOnly: true, densities: [1, 1.5, 2], formats: { autoAvif: true } }],
  ['presetsOnly with widths and densities [1, 2, 3]', { presets: PRESETS, presetsOnly: true, densities: [1, 2, 3], widths: [96, 400, 640, 1080, 1920] }],
] as const) {
  test(`exact under ${label}: every URL a viewer may write, every Accept, makes exactly that many keys`, () => {
    const config = configWith(overrides);
    const keys = new Set<string>();
    for (const p of ['', ...Object.keys(PRESETS), 'nope']) {
      for (const dpr of DPRS) {
        for (const f of ['', 'auto', 'webp']) {
          const query = [p && `p=${p}`, dpr && `dpr=${dpr}`, f && `f=${f}`].filter(Boolean).join('&');
          for (const accept of ACCEPTS) {
            const key = keyOrRefusal(query, accept, config);
            if (key !== null) keys.add(key);
          }
        }
      }
    }
    const bound = maxKeysPerOriginal(config);
    assert.equal(bound, { exact: true, keys: keys.size }, [...keys].join(' | '));
  });
}

test('presetsOnly: each preset has at most (densities, or 3) x (formats f=auto can pick) keys; the documented count holds', () => {
  for (const [densities, autoAvif, perPreset] of [[null, false, 6], [[1, 2], false, 4], [[1, 2], true, 6], [[1], false, 2]] as const) {
    const config = configWith({ presets: { card: 'w=400&h=300' }, presetsOnly: true, densities, formats: { autoAvif } });
    const keys = new Set<string>();
    for (const dpr of DPRS) for (const accept of ACCEPTS) keys.add(canonicalQuery(`p=card${dpr && `&dpr=${dpr}`}`, accept, config));
    assert.is(keys.size, perPreset, `densities ${densities}, autoAvif ${autoAvif}: ${[...keys].join(' | ')}`);
  }
});

const BOUNDED = [
  { widths: [64, 640, 1080], qualities: [40, 80], allowedParams: ['w', 'f', 'q', 'dpr'] },
  { widths: [64, 640, 1080], allowedParams: ['w', 'dpr', 'fit', 'rot', 'flip', 'gray', 'anim'], formats: { outputs: ['jpeg', 'webp', 'gif'] } },
  { presets: PRESETS, widths: [64, 640, 1080, 1920], allowedParams: ['p', 'dpr', 'w'] },
  { presets: PRESETS, densities: [1, 2], allowedParams: ['p', 'dpr', 'rot', 'flip', 'gray', 'f'] },
];
const NAMES = fc.constantFrom(...PARAM_NAMES);
const VALUES = fc.constantFrom('0', '1', '2', '50', '64', '65', '100', '640', '700', '1080', '5000', '90', '180', '-90', 'h', 'v', 'hv', 'jpeg', 'webp', 'png', 'gif', 'json', 'source', 'auto', 'contain', 'fill', 'cover', 'card', 'thumb', 'hero', '1.5', '2.5', '3.3');

for (const overrides of BOUNDED) {
  test(`upper bound under ${JSON.stringify(overrides)}: generated URLs never make more keys than printed`, () => {
    const config = configWith(overrides);
    const bound = maxKeysPerOriginal(config);
    assert.ok(bound.keys !== undefined, JSON.stringify(bound));
    const keys = new Set<string>(['']);
    fc.assert(fc.property(fc.array(fc.tuple(NAMES, VALUES), { maxLength: 6 }), fc.constantFrom(...ACCEPTS), (pairs, accept) => {
      const key = keyOrRefusal(pairs.map(([n, v]) => `${n}=${v}`).join('&'), accept, config);
      if (key !== null) keys.add(key);
    }), { numRuns: 5000 });
    assert.ok(keys.size <= bound.keys!, `${keys.size} keys made, bound ${bound.keys}`);
  });
}

test('unbounded: names the parameters no config list bounds, and only those', () => {
  assert.equal(maxKeysPerOriginal(configWith({})), { unbounded: ['w', 'h', 'q', 'pos', 'bg', 'blur', 'sharpen', 'rect'] });
  assert.equal(maxKeysPerOriginal(configWith({ widths: [100], qualities: [50] })), { unbounded: ['h', 'pos', 'bg', 'blur', 'sharpen', 'rect'] });
  // Presets with a free dpr and no widths: every dpr is another w.
  assert.equal(maxKeysPerOriginal(configWith({ presets: PRESETS, allowedParams: ['p', 'dpr'] })), { unbounded: ['dpr'] });
  assert.is(keyBoundLine(configWith({ widths: [100], allowedParams: ['w'] })), 'keys per original: at most 5');
  assert.match(keyBoundLine(configWith({})), /^keys per original: unbounded: w, h, q, pos, bg, blur, sharpen, rect can take values no config list bounds/);
});

test.run();
