// A generated request log: `outputs` distinct variants, each asked for in many spellings
// (parameter order, aliases, defaults spelled out, dpr, junk parameters, percent-encoded
// names, f=auto with an Accept that picks the same format) and with different Accept and
// Accept-Encoding headers. Deterministic (seeded), so every run replays the same log.
import type { Config } from '../shared/config';

export interface GeneratedRequest {
  readonly uri: string;
  /** Raw query pairs in request order, still percent-encoded. */
  readonly query: ReadonlyArray<[string, string]>;
  readonly accept: string;
  readonly acceptEncoding: string;
  /** Which distinct output this request asks for. */
  readonly output: number;
}

interface Output {
  readonly uri: string;
  readonly w: number;
  readonly h?: number;
  readonly f: 'webp' | 'avif' | 'jpeg' | 'png';
  readonly q?: number;
  readonly fit?: 'contain' | 'fill' | 'inside' | 'outside';
  readonly pos?: 'top' | 'left' | 'bottom-right' | 'attention';
}

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACCEPTS = [
  'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8', // Chrome
  'image/avif,image/webp,*/*', // Firefox
  'image/webp,*/*', // older Safari
  'image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5', // old Safari
  '*/*',
  '',
];
const ENCODINGS = ['gzip, deflate, br', 'gzip', 'br, zstd', 'identity', ''];
const JUNK: ReadonlyArray<[string, string]> = [['utm_source', 'newsletter'], ['fbclid', 'IwAR0abc'], ['v', '3'], ['cb', '1700000000'], ['ref', 'home']];
const FITS = ['contain', 'fill', 'inside', 'outside'] as const;
const POSITIONS = ['top', 'left', 'bottom-right', 'attention'] as const;

function distinctOutputs(count: number, random: () => number, config: Config): Output[] {
  const seen = new Set<string>();
  const outputs: Output[] = [];
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  while (outputs.length < count) {
    const f = pick(['webp', 'webp', 'jpeg', 'avif', 'png'] as const);
    const w = 2 * (20 + Math.floor(random() * 600));
    const h = random() < 0.5 ? 2 * (20 + Math.floor(random() * 400)) : undefined;
    const q = f !== 'png' && random() < 0.3 ? pick([40, 60, 75, 90].filter((v) => v !== config.quality[f])) : undefined;
    const fit = h !== undefined && random() < 0.3 ? pick(FITS) : undefined;
    const pos = h !== undefined && fit === undefined && random() < 0.3 ? pick(POSITIONS) : undefined;
    const output: Output = { uri: `/prod/photos/p${Math.floor(random() * 40)}.jpg`, w, h, f, q, fit, pos };
    const id = JSON.stringify(output);
    if (seen.has(id)) continue;
    seen.add(id);
    outputs.push(output);
  }
  return outputs;
}

function shuffle<T>(list: T[], random: () => number): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

/** One spelling of `output`. */
function spell(output: Output, random: () => number, config: Config): { query: Array<[string, string]>; accept: string } {
  const query: Array<[string, string]> = [];
  const halve = random() < 0.3 && output.w % 2 === 0 && (output.h === undefined || output.h % 2 === 0);
  query.push(['w', String(halve ? output.w / 2 : output.w)]);
  if (output.h !== undefined) query.push(['h', String(halve ? output.h / 2 : output.h)]);
  if (halve) query.push(['dpr', random() < 0.5 ? '2' : '2.0']);
  let accept = ACCEPTS[Math.floor(random() * ACCEPTS.length)];
  const viaAccept = output.f === 'webp' ? random() < 0.4 : output.f === 'avif' && config.formats.autoAvif ? random() < 0.4 : false;
  if (viaAccept) {
    accept = output.f === 'webp' ? (config.formats.autoAvif ? 'image/webp,*/*' : ACCEPTS[Math.floor(random() * 3)]) : ACCEPTS[Math.floor(random() * 2)];
    if (random() < 0.5) query.push(['f', 'auto']);
  } else query.push(['f', output.f === 'jpeg' && random() < 0.5 ? 'jpg' : output.f]);
  if (output.q !== undefined) query.push(['q', String(output.q)]);
  else if (random() < 0.2) query.push(['q', String(output.f === 'png' ? 55 : config.quality[output.f])]);
  if (output.fit !== undefined) query.push(['fit', output.fit]);
  else if (output.h !== undefined && random() < 0.2) query.push(['fit', 'cover']);
  if (output.pos !== undefined) query.push(['pos', output.pos]);
  else if (output.h !== undefined && random() < 0.2) query.push(['pos', 'center']);
  if (output.h === undefined && random() < 0.2) query.push(['fit', 'contain']); // no effect without h
  if (random() < 0.5) query.push(JUNK[Math.floor(random() * JUNK.length)]);
  shuffle(query, random);
  if (random() < 0.05) query[0] = [encodeURIComponent(query[0][0]).replace(/^w$/, '%77'), query[0][1]];
  return { query, accept };
}

export function requestLog(requests: number, outputs: number, config: Config, seed = 8): GeneratedRequest[] {
  const random = prng(seed);
  const variants = distinctOutputs(outputs, random, config);
  const log: GeneratedRequest[] = [];
  for (let i = 0; i < requests; i++) {
    const output = i < outputs ? i : Math.floor(random() * outputs); // every output at least once
    const { query, accept } = spell(variants[output], random, config);
    log.push({ uri: variants[output].uri, query, accept, acceptEncoding: ENCODINGS[Math.floor(random() * ENCODINGS.length)], output });
  }
  return shuffle(log, random);
}

export function rawQuery(request: GeneratedRequest): string {
  return request.query.map(([name, value]) => `${name}=${value}`).join('&');
}
