// The benchmark's originals: generated photos and graphics, the shipped sample bucket, and a
// few of ../shared/corpus/images when that folder exists (read in place, never copied).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { photoLike } from '../test/helpers/images';

export interface BenchSource {
  readonly name: string;
  readonly bytes: Buffer;
  readonly contentType: string;
  /** photo or graphic: they compress differently. */
  readonly kind: 'photo' | 'graphic';
  readonly origin: 'generated' | 'shipped' | 'corpus';
}

const CORPUS_PICKS: ReadonlyArray<[string, BenchSource['kind']]> = [
  ['2569067123_aca715a2ee_o.jpg', 'photo'], // 2725x2225 baseline camera JPEG
  ['gain-map.jpg', 'photo'], // 3840x2160, the largest photo
  ['1.jpeg', 'photo'], // 900x1200 progressive portrait
  ['blackbug.png', 'graphic'], // 2048x1536 with alpha
];

/** A flat-colour graphic with text: the other kind of image a site serves. */
export async function graphic(width: number, height: number): Promise<Buffer> {
  const shapes = Array.from({ length: 12 }, (_, i) =>
    `<rect x="${(i * 97) % width}" y="${(i * 61) % height}" width="${width / 5}" height="${height / 6}" fill="hsl(${i * 30},70%,50%)"/>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#f4f1ea"/>${shapes}` +
    `<circle cx="${width / 2}" cy="${height / 2}" r="${height / 4}" fill="#123456"/>` +
    `<text x="40" y="${height - 60}" font-family="sans-serif" font-size="${Math.round(height / 10)}" fill="#222">Sale 50% off</text></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

function contentTypeOf(name: string): string {
  return name.endsWith('.png') ? 'image/png' : 'image/jpeg';
}

export async function benchSources(root: string, quick: boolean): Promise<BenchSource[]> {
  if (quick) return [{ name: 'photo-0.3mp.jpg', bytes: await photoLike(640, 480), contentType: 'image/jpeg', kind: 'photo', origin: 'generated' }];
  const sources: BenchSource[] = [
    { name: 'photo-2mp.jpg', bytes: await photoLike(1600, 1200), contentType: 'image/jpeg', kind: 'photo', origin: 'generated' },
    { name: 'graphic-1mp.png', bytes: await graphic(1200, 800), contentType: 'image/png', kind: 'graphic', origin: 'generated' },
    { name: 'sample-photo.jpg', bytes: readFileSync(path.join(root, 'examples/bucket/dev/photo.jpg')), contentType: 'image/jpeg', kind: 'photo', origin: 'shipped' },
  ];
  const corpus = path.resolve(root, '../shared/corpus/images');
  for (const [name, kind] of CORPUS_PICKS) {
    const file = path.join(corpus, name);
    if (existsSync(file)) sources.push({ name, bytes: readFileSync(file), contentType: contentTypeOf(name), kind, origin: 'corpus' });
  }
  return sources;
}
