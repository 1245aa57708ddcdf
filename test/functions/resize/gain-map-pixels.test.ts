// Ultra HDR outputs pixel by pixel: the resizer renders the primary with shrink-on-load and the gain
// map on its own, and joins them (functions/resize/ultra-hdr.ts). Each answer from the real handler
// over s3rver is decoded and held against sharp's own keepGainMap() on the same plan (the route the
// resizer took before, which decodes the whole primary): the same primary size and pixels, a gain map
// of the same size (within a pixel) and pixels, the same HDR image when libultrahdr applies the gain
// map (sharp's withGainMap), and the container's MPF and XMP pointing at the gain map's real bytes.
// Sources: a generated Ultra HDR JPEG (libultrahdr's encoder through sharp; its gain map is nearly
// flat), one whose gain map has four quadrants of different gain (a photo and a quadrant gain map
// joined by joinUltraHdr itself, with the generated one's parameters: its premise is checked by
// sharp's and libultrahdr's own readers), both also stored sideways (EXIF orientation 6), and
// ../shared/corpus's gain-map.jpg (3840x2160, a real Ultra HDR photo) when that folder exists.
import type { CloudFrontResultResponse } from 'aws-lambda';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp, { type Sharp } from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalQuery, parseCanonical } from '../../../shared/canonical';
import { planTransform } from '../../../shared/plan';
import { createHandler } from '../../../functions/resize/index';
import { beforeResize, edits } from '../../../functions/resize/operations';
import { resizerConfig } from '../../../functions/resize/runtime-config';
import { openSource } from '../../../functions/resize/transform';
import { gainMapMetadata, joinUltraHdr, withOrientation } from '../../../functions/resize/ultra-hdr';
import { configWith } from '../../helpers/config';
import { originResponse } from '../../helpers/events';
import { photoLike, ultraHdrJpeg } from '../../helpers/images';
import { startS3, type LocalS3 } from '../../helpers/s3';

const BUCKET = 'gain-map-pixels';
const config = configWith();
const CORPUS_SOURCE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/corpus/images/gain-map.jpg');

interface Context { s3: LocalS3; sources: Record<string, Buffer>; logs: string[]; handler: ReturnType<typeof createHandler> }
const pixels = suite<Context>('resize: Ultra HDR outputs decoded against sharp\'s keepGainMap()', {} as never);
const consoleLog = console.log;

pixels.before(async (context) => {
  context.s3 = await startS3();
  await context.s3.createBucket(BUCKET);
  const generated = await ultraHdrJpeg(640, 480);
  const quadrants = await quadrantGainMap(generated);
  context.sources = {
    'hdr/generated.jpg': generated, 'hdr/sideways.jpg': withOrientation(generated, 6),
    'hdr/quadrants.jpg': quadrants, 'hdr/quadrants-sideways.jpg': withOrientation(quadrants, 6),
  };
  if (existsSync(CORPUS_SOURCE)) context.sources['hdr/corpus.jpg'] = readFileSync(CORPUS_SOURCE);
  for (const [key, bytes] of Object.entries(context.sources)) await context.s3.put(BUCKET, key, bytes, 'image/jpeg');
  context.logs = [];
  context.handler = createHandler(resizerConfig(config, { ...context.s3.resizerS3, bucket: BUCKET }));
  console.log = (...args: unknown[]) => { context.logs.push(args.join(' ')); };
});

pixels.after(async (context) => {
  console.log = consoleLog;
  await context.s3?.stop();
});

/** Gains of the quadrant source's gain map: top left, top right, bottom left, bottom right. */
const QUADRANT_GAINS = [20, 90, 160, 230];

/** A 640x480 photo with a 160x120 gain map in four quadrants of gain, the generated source's parameters. */
async function quadrantGainMap(generated: Buffer): Promise<Buffer> {
  const map = Buffer.alloc(160 * 120);
  for (let y = 0; y < 120; y++) for (let x = 0; x < 160; x++) map[y * 160 + x] = QUADRANT_GAINS[(y < 60 ? 0 : 2) + (x < 80 ? 0 : 1)];
  const mapJpeg = await sharp(map, { raw: { width: 160, height: 120, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 95 }).toBuffer();
  const metadata = gainMapMetadata((await sharp(generated).metadata()).gainMap!.image)!;
  return joinUltraHdr(await sharp(await photoLike(640, 480)).jpeg({ quality: 90 }).toBuffer(), mapJpeg, metadata);
}

interface Raw { width: number; height: number; channels: number; data: Buffer | Float32Array }

async function raw(image: Sharp): Promise<Raw> {
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data };
}

async function gainMapImage(jpeg: Buffer): Promise<Buffer> {
  const meta = await sharp(jpeg).metadata();
  assert.ok(meta.gainMap, 'sharp reports a gain map');
  return meta.gainMap!.image;
}

/** Mean absolute difference per sample, `ours` resized to `reference`'s size first when it differs. */
async function meanDifference(ours: Buffer, reference: Buffer): Promise<number> {
  const ref = await raw(sharp(reference));
  const mine = await raw(sharp(ours).resize(ref.width, ref.height, { fit: 'fill' }));
  let sum = 0;
  for (let i = 0; i < ref.data.length; i++) sum += Math.abs(Number(mine.data[i]) - Number(ref.data[i]));
  return sum / ref.data.length;
}

/** HDR images as libultrahdr makes them from the primary and the gain map: mean of |a-b| / (|b| + 0.05) over every sample. */
/** The HDR image libultrahdr makes of an Ultra HDR JPEG (sharp's withGainMap), as linear floats. */
async function hdr(jpeg: Buffer) {
  const { data, info } = await (sharp(jpeg) as Sharp & { withGainMap(): Sharp }).withGainMap().raw({ depth: 'float' }).toBuffer({ resolveWithObject: true });
  return { data: new Float32Array(data.buffer, data.byteOffset, data.length / 4), info };
}

async function hdrDifference(ours: Buffer, reference: Buffer): Promise<number> {
  const [a, b] = [await hdr(ours), await hdr(reference)];
  assert.is(`${a.info.width}x${a.info.height}`, `${b.info.width}x${b.info.height}`, 'HDR sizes');
  let sum = 0;
  for (let i = 0; i < b.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]) / (Math.abs(b.data[i]) + 0.05);
  return sum / b.data.length;
}

/** The MPF's second entry and the XMP's Item:Length both name the gain map JPEG that follows the primary. */
function assertContainer(jpeg: Buffer, what: string): void {
  const mpf = jpeg.indexOf(Buffer.from('MPF\0MM\0*', 'latin1'));
  assert.ok(mpf > 0, `${what}: an MPF segment`);
  const tiff = mpf + 4;
  const entries = tiff + jpeg.readUInt32BE(tiff + 8 + 2 + 2 * 12 + 8);
  const primarySize = jpeg.readUInt32BE(entries + 4);
  const mapSize = jpeg.readUInt32BE(entries + 16 + 4);
  const mapOffset = jpeg.readUInt32BE(entries + 16 + 8);
  assert.is(primarySize + mapSize, jpeg.length, `${what}: MPF sizes add up to the file`);
  assert.is(tiff + mapOffset, primarySize, `${what}: MPF offset of the gain map`);
  assert.equal([...jpeg.subarray(primarySize - 2, primarySize + 2)], [0xff, 0xd9, 0xff, 0xd8], `${what}: the primary ends where the gain map starts`);
  const length = /Item:Length="(\d+)"/.exec(jpeg.subarray(0, primarySize).toString('latin1'));
  if (length) assert.is(Number(length[1]), mapSize, `${what}: XMP Item:Length`);
}

/**
 * The references for one query, on the resizer's own plan: sharp without the gain map (the primary
 * as the resizer renders it) and sharp's keepGainMap() (undefined where sharp 0.35.5 itself fails
 * or answers a gain map of another shape than its image).
 */
async function references(source: Buffer, query: string): Promise<{ plain: Buffer; kept?: Buffer; scale: number }> {
  const opened = await openSource(source);
  const plan = planTransform(parseCanonical(query, config)!, opened.source, config);
  assert.ok(plan.keepGainMap, `${query}: the plan keeps the gain map`);
  const open = () => sharp(source, { failOn: 'error', autoOrient: true });
  const encode = (image: Sharp) => edits(beforeResize(image, plan), plan).jpeg({ quality: plan.quality, progressive: false }).toBuffer();
  const plain = await encode(open());
  const scale = (await sharp(opened.gainMap!).metadata()).width! / opened.source.width;
  // sharp 0.35.5's keepGainMap() with a blur reads freed memory when libvips' cache is off, as the
  // resizer sets it ("Not a JPEG file: starts with 0x10 0xab"): the reference is made with it on.
  sharp.cache(true);
  try {
    const kept = await encode((open() as Sharp & { keepGainMap(): Sharp }).keepGainMap());
    // Nor does it always turn the gain map with the image (EXIF orientation and rot together).
    const [image, map] = [await sharp(kept).metadata(), await sharp((await sharp(kept).metadata()).gainMap!.image).metadata()];
    const turned = Math.abs(image.width! / image.height! - map.width! / map.height!) > 0.05 * (image.width! / image.height!);
    return { plain, kept: turned ? undefined : kept, scale };
  } catch {
    return { plain, scale };
  } finally {
    sharp.cache(false);
  }
}

const QUERIES = [
  'w=320&f=jpeg',
  'w=200&h=150&f=jpeg',
  'w=300&h=300&fit=contain&f=jpeg',
  'w=200&h=100&rot=90&f=jpeg',
  'w=320&flip=h&f=jpeg',
  'w=240&flip=v&rot=270&f=jpeg',
  'rect=100,50,300,200&f=jpeg',
  'w=200&h=200&pos=0.8,0.3&f=jpeg',
  'w=320&sharpen=2&f=jpeg',
  'w=320&q=50&f=jpeg',
  'w=300&h=200&pad=12&f=jpeg',
  'w=320&blur=3&f=jpeg',
];

/**
 * Gain map pixels: within this of sharp's own (mean over samples, 0-255); HDR images: mean relative
 * difference. Wider for a blur: sharp blurs the gain map by the image's sigma in the gain map's own
 * pixels (at a quarter of the resolution, four times as wide in the picture); the resizer scales it.
 * Wider for the quadrant source's HDR image: its gain jumps by up to 210 levels at the quadrants'
 * edges, and a crop's box rounded to the other side of half a gain map pixel moves such an edge.
 */
function toleranceFor(key: string, query: string): { map: number; hdr: number } {
  const blur = query.includes('blur');
  return { map: blur ? 12 : 6, hdr: (blur ? 0.15 : 0.06) * (key.includes('quadrants') ? 2 : 1) };
}

pixels('every Ultra HDR answer decodes like sharp\'s keepGainMap(): primary, gain map, HDR image and container', async (context) => {
  const failed: string[] = [];
  for (const [key, source] of Object.entries(context.sources)) {
    for (const raw of QUERIES) {
      const query = canonicalQuery(raw, undefined, config);
      const what = `${key}?${query}`;
      const result = (await context.handler(originResponse({ uri: `/${key}`, querystring: query, contentType: 'image/jpeg' }))) as CloudFrontResultResponse;
      assert.is(result.status, '200', `${what}: ${context.logs[context.logs.length - 1]}`);
      const ours = Buffer.from(result.body!, 'base64');
      const { plain, kept, scale } = await references(source, query);
      const [mine, theirs] = [await sharp(ours).metadata(), await sharp(plain).metadata()];
      assert.is(mine.format, 'jpeg', what);
      assert.is(`${mine.width}x${mine.height}`, `${theirs.width}x${theirs.height}`, `${what}: primary size`);
      const ourMap = await gainMapImage(ours);
      const a = await sharp(ourMap).metadata();
      if (!kept) {
        // sharp cannot make this one itself: the gain map's size follows the primary's.
        failed.push(what);
        assert.ok(Math.abs(a.width! - mine.width! * scale) <= 1 && Math.abs(a.height! - mine.height! * scale) <= 1, `${what}: gain map ${a.width}x${a.height} for ${mine.width}x${mine.height}`);
        assert.is((await hdr(ours)).info.width, mine.width, `${what}: HDR width`);
        assertContainer(ours, what);
        continue;
      }
      const primary = await meanDifference(ours, kept);
      assert.ok(primary < 4, `${what}: primary pixels differ from sharp's keepGainMap() by ${primary.toFixed(2)}`);
      const refMap = await gainMapImage(kept);
      const b = await sharp(refMap).metadata();
      assert.ok(Math.abs(a.width! - b.width!) <= 1 && Math.abs(a.height! - b.height!) <= 1, `${what}: gain map ${a.width}x${a.height}, sharp's ${b.width}x${b.height}`);
      assert.is(a.channels, b.channels, `${what}: gain map channels`);
      const map = await meanDifference(ourMap, refMap);
      const tolerance = toleranceFor(key, raw);
      assert.ok(map < tolerance.map, `${what}: gain map pixels differ by ${map.toFixed(2)}`);
      const difference = await hdrDifference(ours, kept);
      assert.ok(difference < tolerance.hdr, `${what}: HDR images differ by ${(difference * 100).toFixed(1)}%`);
      assertContainer(ours, what);
    }
  }
  // sharp's keepGainMap() fails only where EXIF orientation and rot meet (the resizer's own answers
  // for those are checked above all the same, and turned by the quadrant test below).
  assert.ok(failed.every((what) => what.includes('sideways') && what.includes('rot=90')), `sharp's keepGainMap() failed on ${failed.join(', ')}`);
});

pixels('the sources are what the test means: sharp reads their gain maps, libultrahdr applies them, the sideways ones are EXIF orientation 6', async ({ sources }) => {
  for (const [key, source] of Object.entries(sources)) {
    const meta = await sharp(source).metadata();
    assert.ok(meta.gainMap, key);
    assert.is(meta.orientation || 1, key.includes('sideways') ? 6 : 1, key);
    const hdr = await (sharp(source) as Sharp & { withGainMap(): Sharp }).withGainMap().raw({ depth: 'float' }).toBuffer({ resolveWithObject: true });
    assert.is(hdr.info.width, meta.width, key);
  }
  const map = (await sharp(sources['hdr/quadrants.jpg']).metadata()).gainMap!.image;
  assert.equal(await quadrantMeans(map), QUADRANT_GAINS);
});

/** The mean gain of each quadrant's middle (top left, top right, bottom left, bottom right), rounded to 10. */
async function quadrantMeans(map: Buffer): Promise<number[]> {
  const { width, height } = await sharp(map).metadata();
  const w = Math.floor(width! / 4);
  const h = Math.floor(height! / 4);
  const at = async (left: number, top: number) => {
    const { data } = await sharp(map).extract({ left, top, width: w, height: h }).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    return Math.round(data.reduce((sum, v) => sum + v, 0) / data.length / 10) * 10;
  };
  const [x0, y0] = [Math.floor(w / 2), Math.floor(h / 2)];
  return [await at(x0, y0), await at(width! - w - x0, y0), await at(x0, height! - h - y0), await at(width! - w - x0, height! - h - y0)];
}

pixels('the quadrant gain map turns and mirrors with the image, the sideways source upright', async (context) => {
  const [tl, tr, bl, br] = QUADRANT_GAINS;
  const cases: Array<[string, string, number[]]> = [
    ['hdr/quadrants.jpg', 'w=320&f=jpeg', [tl, tr, bl, br]],
    ['hdr/quadrants.jpg', 'w=320&rot=180&f=jpeg', [br, bl, tr, tl]],
    ['hdr/quadrants.jpg', 'w=240&rot=90&f=jpeg', [bl, tl, br, tr]],
    ['hdr/quadrants.jpg', 'w=320&flip=h&f=jpeg', [tr, tl, br, bl]],
    // Orientation 6: stored turned a quarter anticlockwise, shown turned back clockwise.
    ['hdr/quadrants-sideways.jpg', 'w=240&f=jpeg', [bl, tl, br, tr]],
    // And then turned by rot (sharp's keepGainMap() fails here: "bad extract area").
    ['hdr/quadrants-sideways.jpg', 'w=240&rot=90&f=jpeg', [br, bl, tr, tl]],
  ];
  for (const [key, query, expected] of cases) {
    const result = (await context.handler(originResponse({ uri: `/${key}`, querystring: canonicalQuery(query, undefined, config), contentType: 'image/jpeg' }))) as CloudFrontResultResponse;
    assert.equal(await quadrantMeans(await gainMapImage(Buffer.from(result.body!, 'base64'))), expected, `${key}?${query}`);
  }
});

pixels.run();
