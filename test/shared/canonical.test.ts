import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalQuery, parseCanonical, portableQuery } from '../../shared/canonical';
import { DEFAULT_CONFIG } from '../../shared/config';
import { isResizerError } from '../../shared/errors';
import { Kind, PARAMS, PARAM_NAMES, findParam, type ParamRow } from '../../shared/params';
import { configWith } from '../helpers/config';
import { distinctRequests, equivalentGroups, rejectedCases } from '../helpers/fixtures';

for (const group of equivalentGroups()) {
  test(`equivalent: ${group.name}`, () => {
    const config = configWith(group.config);
    for (const request of group.requests) {
      assert.is(canonicalQuery(request.query, request.accept, config), group.expect, `?${request.query} Accept: ${request.accept}`);
    }
  });
}

test('distinct: requests whose outputs can differ never share a canonical query', () => {
  const seen = new Map<string, string>();
  for (const request of distinctRequests()) {
    const canonical = canonicalQuery(request.query, request.accept, DEFAULT_CONFIG);
    const label = `?${request.query} Accept: ${request.accept}`;
    assert.not.ok(seen.has(canonical), `${label} and ${seen.get(canonical)} both give "${canonical}"`);
    seen.set(canonical, label);
  }
});

for (const rejected of rejectedCases()) {
  test(`rejected: ?${rejected.query}`, () => {
    try {
      canonicalQuery(rejected.query, undefined, configWith(rejected.config));
      assert.unreachable('should have thrown');
    } catch (error) {
      assert.ok(isResizerError(error), String(error));
      assert.is(error.status, 400);
      assert.is(error.message, rejected.message);
    }
  });
}

test('the resizer reads back exactly the canonical queries, nothing else', () => {
  assert.equal(parseCanonical('w=200&h=150&f=webp&q=90', DEFAULT_CONFIG), { w: 200, h: 150, f: 'webp', q: 90 });
  assert.equal(parseCanonical('f=webp&h=150&w=200', DEFAULT_CONFIG), { w: 200, h: 150, f: 'webp' }, 'the origin may see the parameters in another order');
  assert.is(parseCanonical('w=200', DEFAULT_CONFIG), null, 'no format: not canonical');
  assert.is(parseCanonical('w=200&f=webp&q=80', DEFAULT_CONFIG), null, 'a default quality: not canonical');
  assert.is(parseCanonical('w=200&f=webp&dpr=2', DEFAULT_CONFIG), null);
  assert.is(parseCanonical('w=200&w=200&f=webp', DEFAULT_CONFIG), null);
  assert.is(parseCanonical('w=abc&f=webp', DEFAULT_CONFIG), null);
  assert.is(parseCanonical('', DEFAULT_CONFIG), null);
});

test('allowedParams: a parameter outside the list is 403 naming it and the list; presets may use any parameter', () => {
  const config = configWith({ allowedParams: ['w', 'f', 'p', 'dpr'], presets: { card: 'w=100&h=50&fit=contain&q=60' } });
  for (const [query, line] of [
    ['w=100&h=50', 'h is not allowed here: this site allows only w, f, p, dpr, got "h=50"'],
    ['q=abc', 'q is not allowed here: this site allows only w, f, p, dpr, got "q=abc"'],
    ['p=card&blur=2', 'blur is not allowed here: this site allows only w, f, p, dpr, got "blur=2"'],
    // Issue 17's edits, like any other row.
    ...['trim=10', 'brightness=1.2', 'contrast=0.8', 'saturation=0', 'pad=4', 'wm=logo'].map((pair) => [`w=100&${pair}`, `${pair.split('=')[0]} is not allowed here: this site allows only w, f, p, dpr, got "${pair}"`]),
  ]) {
    assert.throws(() => canonicalQuery(query, undefined, config), (error: unknown) => isResizerError(error) && error.status === 403 && error.code === 'param_not_allowed' && error.message === line, query);
  }
  assert.is(canonicalQuery('p=card&dpr=2&f=jpeg', undefined, config), 'w=200&h=100&f=jpeg&q=60&fit=contain');
  // The resizer reads the canonical query back: allowedParams is the viewer's rule, not the key's.
  assert.ok(parseCanonical('w=200&h=100&f=jpeg&q=60&fit=contain', config));
});

// Properties over generated queries: names from the table (and some others), values derived
// from each row's kind (valid, out of range, near misses) or malformed.
/** A site that snaps widths and qualities and has presets (config §2 of issue 10). */
const WIDTHS = [64, 128, 256, 640, 1080, 1920];
const QUALITIES = [40, 60, 75, 90];
const PRESETS = { card: 'w=400&h=300&fit=cover', thumb: 'w=96&h=96&fit=cover&f=webp&q=60', hero: 'w=1920&sharpen=1&pos=attention' };
const PRESET_NAMES = Object.keys(PRESETS);
const SNAPPING = configWith({ widths: WIDTHS, qualities: QUALITIES, presets: PRESETS, watermarks: { logo: { key: 'dev/logo.png' } } });

const JUNK = fc.oneof(
  fc.constantFrom('', 'abc', '%zz', '%E2%82%AC', '+1', '-0', '1e3', ' 1', ','),
  fc.string({ maxLength: 6 }).map(encodeURIComponent),
);
const hex = (length: number) => fc.array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: length, maxLength: length }).map((c) => c.join(''));

function valuesOf(row: ParamRow): fc.Arbitrary<string> {
  switch (row.kind) {
    case Kind.Int: return row.step
      ? fc.oneof(fc.integer({ min: -12, max: 12 }).map((n) => String(n * row.step!)), fc.integer({ min: -1000, max: 1000 }).map(String))
      : fc.integer({ min: row.low - 10, max: (row.high === undefined ? 16383 : row.high) + 10 }).map(String);
    case Kind.Num: return fc.oneof(fc.constant('0'), fc.tuple(fc.double({ min: 0, max: row.high * 1.2, noNaN: true }), fc.integer({ min: 0, max: 3 })).map(([n, digits]) => n.toFixed(digits)));
    case Kind.Enum: return fc.oneof(
      fc.constantFrom(...row.choices, ...Object.keys(row.aliases || {})),
      ...(row.point ? [fc.tuple(fc.double({ min: 0, max: 1.1, noNaN: true }), fc.double({ min: 0, max: 1.1, noNaN: true })).map(([x, y]) => `${x.toFixed(3)},${y.toFixed(2)}`)] : []),
    );
    case Kind.Hex: return fc.oneof(hex(3), hex(6), hex(8), hex(5));
    case Kind.Rect: return fc.tuple(fc.nat(2000), fc.nat(2000), fc.nat(2000), fc.nat(2000)).map((xywh) => xywh.join(','));
    case Kind.Preset: return fc.constantFrom(...PRESET_NAMES, 'nope');
    case Kind.Mark: return fc.constantFrom('logo', 'nope');
  }
}

const NAMES = [...PARAM_NAMES, 'utm_source', 'W', 'x'];
const valueFor = (name: string) => fc.oneof({ weight: 4, arbitrary: findParam(name) ? valuesOf(findParam(name)!) : JUNK }, { weight: 1, arbitrary: JUNK });
const PAIRS = fc.uniqueArray(fc.constantFrom(...NAMES), { maxLength: 8 })
  .chain((names) => fc.tuple(...names.map((name) => fc.tuple(fc.constant(name), valueFor(name)))))
  .map((pairs) => pairs as Array<[string, string]>);
const ACCEPT = fc.constantFrom(undefined, '', 'image/webp', 'image/avif,image/webp,*/*', '*/*', 'image/webp;q=0', 'image/jpeg');
const CONFIG = fc.constantFrom(DEFAULT_CONFIG, configWith({ formats: { autoAvif: true }, maxDimension: 1000 }), SNAPPING);

function canonicalOrError(query: string, accept: string | undefined, config = DEFAULT_CONFIG): string {
  try {
    return canonicalQuery(query, accept, config);
  } catch (error) {
    if (isResizerError(error) && (error.status === 400 || error.status === 403) && !error.message.includes('\n')) return `${error.status} ${error.message}`;
    throw error;
  }
}

test('property: only ever answers a canonical query or a one-line 400', () => {
  fc.assert(fc.property(PAIRS, ACCEPT, CONFIG, (pairs, accept, config) => {
    canonicalOrError(pairs.map(([n, v]) => `${n}=${v}`).join('&'), accept, config);
  }), { numRuns: 2000 });
});

test('property: idempotent', () => {
  fc.assert(fc.property(PAIRS, ACCEPT, CONFIG, (pairs, accept, config) => {
    const once = canonicalOrError(pairs.map(([n, v]) => `${n}=${v}`).join('&'), accept, config);
    if (/^40[03] /.test(once)) return;
    assert.is(canonicalQuery(once, accept, config), once);
    if (once) assert.ok(parseCanonical(once, config), `resizer must accept ${once}`);
  }), { numRuns: 2000 });
});

test('property: order-independent', () => {
  fc.assert(fc.property(PAIRS.chain((pairs) => fc.tuple(fc.constant(pairs), fc.shuffledSubarray(pairs, { minLength: pairs.length }))), ACCEPT,
    ([pairs, shuffled], accept) => {
      const join = (list: Array<[string, string]>) => list.map(([n, v]) => `${n}=${v}`).join('&');
      const a = canonicalOrError(join(pairs), accept);
      const b = canonicalOrError(join(shuffled), accept);
      // With several malformed values, which one is named may depend on order; the status may not.
      if (a.startsWith('400 ') || b.startsWith('400 ')) assert.is(a.slice(0, 4), b.slice(0, 4));
      else assert.is(a, b);
    }), { numRuns: 2000 });
});

test('property: the portable query (the client\'s) means to the normalizer what the request does, and is canonical but for f', () => {
  fc.assert(fc.property(PAIRS, ACCEPT, CONFIG, (pairs, accept, config) => {
    // The client names no presets (p expands at the edge).
    const query = pairs.filter(([n]) => n !== 'p').map(([n, v]) => `${n}=${v}`).join('&');
    const expected = canonicalOrError(query, accept, config);
    if (/^40[03] /.test(expected)) return;
    const portable = portableQuery(query, config);
    assert.is(canonicalQuery(portable, accept, config), expected, `?${query} as ?${portable}`);
    assert.is(portableQuery(portable, config), portable, 'idempotent');
    const f = new URLSearchParams(query).get('f');
    if (f && f !== 'auto') assert.is(portable, expected, 'an explicit f: the canonical query itself');
    else assert.ok(!new URLSearchParams(portable).has('f') || portable === 'f=auto', `f stays for the edge: ${portable}`);
  }), { numRuns: 2000 });
});

test('property: a portable query with a preset keeps p, means what the request does, and passes presetsOnly when the request does', () => {
  const only = configWith({ widths: WIDTHS, qualities: QUALITIES, presets: PRESETS, presetsOnly: true });
  fc.assert(fc.property(fc.constantFrom(...PRESET_NAMES), PAIRS, ACCEPT, (name, pairs, accept) => {
    const query = join([...pairs.filter(([n]) => n !== 'p'), ['p', name]]);
    const expected = canonicalOrError(query, accept, SNAPPING);
    if (/^40[03] /.test(expected)) return;
    const portable = portableQuery(query, SNAPPING);
    assert.ok(new URLSearchParams(portable).get('p') === name, `p stays: ?${portable}`);
    assert.is(canonicalQuery(portable, accept, SNAPPING), expected, `?${query} as ?${portable}`);
    assert.is(portableQuery(portable, SNAPPING), portable, 'idempotent');
    const viaOnly = canonicalOrError(query, accept, only);
    if (!/^40[03] /.test(viaOnly)) assert.is(canonicalQuery(portable, accept, only), viaOnly, `presetsOnly accepts ?${portable}`);
  }), { numRuns: 1000 });
});

test('portable query: f left to the edge keeps what matters for any format it may pick', () => {
  assert.is(portableQuery('q=80&w=200', DEFAULT_CONFIG), 'w=200&q=80', 'q=80 is webp\'s default but not the source\'s');
  assert.is(portableQuery('h=100&w=200&dpr=2&fit=cover&utm_source=x', DEFAULT_CONFIG), 'w=400&h=200');
  assert.is(portableQuery('f=auto', DEFAULT_CONFIG), 'f=auto', 'still the edge\'s choice, not the original');
  assert.is(portableQuery('', DEFAULT_CONFIG), '');
  assert.is(portableQuery('w=200&f=png&q=50', DEFAULT_CONFIG), 'w=200&f=png');
});

test('property: output always within limits', () => {
  fc.assert(fc.property(PAIRS, ACCEPT, CONFIG, (pairs, accept, config) => {
    const out = canonicalOrError(pairs.map(([n, v]) => `${n}=${v}`).join('&'), accept, config);
    if (!out || out.startsWith('400 ')) return;
    const params = new URLSearchParams(out);
    if (config.widths && params.has('w')) assert.ok(config.widths.includes(Number(params.get('w'))), `w=${params.get('w')} is not one of ${config.widths}`);
    if (config.qualities && params.has('q')) assert.ok(config.qualities.includes(Number(params.get('q'))), `q=${params.get('q')} is not one of ${config.qualities}`);
    for (const name of ['w', 'h']) {
      const value = params.get(name);
      if (value !== null) assert.ok(Number(value) >= 1 && Number(value) <= config.maxDimension && Number.isInteger(Number(value)), `${name}=${value}`);
    }
    const q = params.get('q');
    if (q !== null) assert.ok(Number(q) >= 1 && Number(q) <= 100, `q=${q}`);
    assert.ok(params.get('f'), 'a transform always names its format');
    assert.not.ok(params.has('dpr'));
    const rot = params.get('rot');
    if (rot !== null) assert.ok(['90', '180', '270'].includes(rot), `rot=${rot}`);
    for (const [name, min, max] of [['blur', 0.3, 100], ['sharpen', 0.5, 10]] as const) {
      const value = params.get(name);
      if (value !== null) assert.ok(Number(value) >= min && Number(value) <= max && /^\d+(\.\d)?$/.test(value), `${name}=${value}`);
    }
    const bg = params.get('bg');
    if (bg !== null) assert.match(bg, /^[0-9a-f]{6}([0-9a-f]{2})?$/);
    for (const name of ['gray', 'anim']) assert.is.not(params.get(name), name === 'gray' ? '0' : '1', `${name} at its default folds`);
    // Issue 17's edits: integers in their ranges, multipliers 0 to 4 with at most two decimals and never 1 (it folds), watermarks by config name.
    for (const [name, min, max, spelling] of [['trim', 1, 100, /^\d+$/], ['pad', 1, 1000, /^\d+$/], ['brightness', 0, 4, /^\d(\.\d\d?)?$/], ['contrast', 0, 4, /^\d(\.\d\d?)?$/], ['saturation', 0, 4, /^\d(\.\d\d?)?$/]] as const) {
      const value = params.get(name);
      if (value !== null) assert.ok(Number(value) >= min && Number(value) <= max && spelling.test(value) && (min > 0 || value !== '1'), `${name}=${value}`);
    }
    const wm = params.get('wm');
    if (wm !== null) assert.ok(Object.keys(config.watermarks).includes(wm), `wm=${wm}`);
  }), { numRuns: 2000 });
});

const join = (pairs: Array<[string, string]>) => pairs.map(([n, v]) => `${n}=${v}`).join('&');

test('property: with widths, w snaps up to a listed width (capped at the largest) and h is the snapped w times the requested h/w', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 4096 }), fc.option(fc.integer({ min: 1, max: 4096 })), fc.constantFrom('1', '1.5', '2', '3'), (w, h, dpr) => {
    const out = new URLSearchParams(canonicalQuery(`w=${w}${h === null ? '' : `&h=${h}`}&dpr=${dpr}&f=webp`, undefined, SNAPPING));
    const scaledW = Math.min(4096, Math.round(w * Number(dpr)));
    const expectW = WIDTHS.find((listed) => listed >= scaledW) ?? WIDTHS[WIDTHS.length - 1];
    assert.is(Number(out.get('w')), expectW);
    if (h === null) return assert.not.ok(out.has('h'));
    // The snapped width and the requested aspect ratio, nothing else: dpr and rounding never shift h by a pixel.
    assert.is(Number(out.get('h')), Math.max(1, Math.min(4096, Math.round(expectW * (h / w)))));
  }), { numRuns: 1000 });
});

test('property: with qualities, q snaps to the nearest listed value, the higher on a tie', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 100 }), (q) => {
    const out = new URLSearchParams(canonicalQuery(`w=64&f=jpeg&q=${q}`, undefined, configWith({ widths: WIDTHS, qualities: QUALITIES, quality: { jpeg: 85 } })));
    const best = [...QUALITIES].sort((a, b) => Math.abs(a - q) - Math.abs(b - q) || b - a)[0];
    assert.is(out.get('q'), String(best), `q=${q}`);
  }), { numRuns: 300 });
});

test('property: p=<preset> has the cache key of its spelled-out form, and the URL\'s own parameters override it', () => {
  fc.assert(fc.property(fc.constantFrom(...PRESET_NAMES), PAIRS, ACCEPT, (name, pairs, accept) => {
    const explicit = pairs.filter(([n]) => n !== 'p');
    const spelled = new Map<string, string>(new URLSearchParams(PRESETS[name as keyof typeof PRESETS]) as unknown as Iterable<[string, string]>);
    for (const [n, v] of explicit) if (findParam(n)) spelled.set(n, v);
    const withPreset = canonicalOrError(join([...explicit, ['p', name]]), accept, SNAPPING);
    const spelledOut = canonicalOrError(join([...explicit.filter(([n]) => !findParam(n)), ...spelled]), accept, SNAPPING);
    if (withPreset.startsWith('400 ') || spelledOut.startsWith('400 ')) assert.is(withPreset.slice(0, 4), spelledOut.slice(0, 4));
    else assert.is(withPreset, spelledOut);
    assert.not.match(withPreset, /(^|&)p=/);
  }), { numRuns: 1000 });
});

test('presets: an unknown preset is 400 naming the presets; a preset query is validated when the config is parsed', () => {
  assert.is(canonicalOrError('p=banner&w=10', undefined, SNAPPING), '400 p must be one of card, thumb, hero, got "banner"');
  assert.is(canonicalOrError('p=card', undefined, DEFAULT_CONFIG), '400 p must be a preset, and there are none, got "card"');
  assert.is(canonicalQuery('p=card', undefined, SNAPPING), canonicalQuery('w=400&h=300&fit=cover', undefined, SNAPPING));
  assert.is(canonicalQuery('p=card&w=100&fit=contain', undefined, SNAPPING), canonicalQuery('w=100&h=300&fit=contain', undefined, SNAPPING));
  const bad = (presets: Record<string, unknown>) => {
    try {
      configWith({ presets });
      return 'accepted';
    } catch (error) {
      return (error as Error).message;
    }
  };
  assert.is(bad({ card: 'w=abc' }), 'config key presets.card must be a valid query of transform parameters without p (w must be an integer from 1 to 4096, got "abc"), got "w=abc"');
  assert.is(bad({ card: 'w=400&utm=1' }), 'config key presets.card must be a valid query of transform parameters without p (a preset may name only w, h, f, q, fit, pos, rot, flip, pad, bg, blur, sharpen, gray, rect, anim, trim, brightness, contrast, saturation, wm, dpr, got "utm"), got "w=400&utm=1"');
  assert.is(bad({ card: 'p=thumb', thumb: 'w=1' }), 'config key presets.card must be a valid query of transform parameters without p (a preset may name only w, h, f, q, fit, pos, rot, flip, pad, bg, blur, sharpen, gray, rect, anim, trim, brightness, contrast, saturation, wm, dpr, got "p"), got "p=thumb"');
  assert.is(bad({ 'a b': 'w=1' }), 'config key presets.a b must be named with 1 to 64 letters, digits, _ or -, got "a b"');
  assert.is(bad({ card: 7 }), 'config key presets.card must be a query string like "w=400&h=300&fit=cover", got 7');
  assert.is(bad({ card: '' }), 'config key presets.card must be a valid query of transform parameters without p (a preset may name only w, h, f, q, fit, pos, rot, flip, pad, bg, blur, sharpen, gray, rect, anim, trim, brightness, contrast, saturation, wm, dpr, got ""), got ""');
  assert.throws(() => configWith({ widths: [100, 5000] }), /config key widths\[1\] must be at most maxDimension \(4096\), got 5000/);
  assert.throws(() => configWith({ widths: [] }), /config key widths must be null or a non-empty list, each an integer from 1 to 16383, got \[\]/);
  assert.throws(() => configWith({ qualities: [50, 101] }), /config key qualities\[1\] must be an integer from 1 to 100, got 101/);
  assert.throws(() => configWith({ presetsOnly: true }), /config key presetsOnly must be false when presets is empty, got true/);
  assert.equal(configWith({ widths: [640, 64, 640] }).widths, [64, 640], 'sorted, without repeats');
});

test('presetsOnly: only p, dpr and f=auto may be named; anything else is 403 naming what is allowed', () => {
  const only = configWith({ presets: PRESETS, presetsOnly: true, widths: WIDTHS });
  assert.is(canonicalQuery('p=card&dpr=2&f=auto&utm_source=x', 'image/webp', only), canonicalQuery('w=800&h=600&fit=cover', 'image/webp', SNAPPING));
  assert.is(canonicalOrError('p=card&w=2000', undefined, only), '403 w is not allowed here: this site serves presets only (p, one of card, thumb, hero; with dpr and f=auto), got "w=2000"');
  assert.is(canonicalOrError('f=png&p=card', undefined, only), '403 f is not allowed here: this site serves presets only (p, one of card, thumb, hero; with dpr and f=auto), got "f=png"');
  assert.is(canonicalOrError('w=10', undefined, only), '403 w is not allowed here: this site serves presets only (p, one of card, thumb, hero; with dpr and f=auto), got "w=10"');
  assert.is(canonicalOrError('p=nope', undefined, only), '400 p must be one of card, thumb, hero, got "nope"');
  assert.is(canonicalQuery('', undefined, only), '', 'a bare URL is still the original');
  // The 403 line names p, dpr and f=auto: exactly what the table leaves open.
  assert.equal(PARAMS.filter((row) => 'open' in row).map((row) => [row.param, (row as { open: unknown }).open]), [['f', ['auto']], ['dpr', 'any'], ['p', 'any']]);
  const key = canonicalQuery('p=thumb', undefined, only);
  assert.ok(parseCanonical(key, only), `the resizer reads the spelled-out key ${key} back`);
});

test.run();
