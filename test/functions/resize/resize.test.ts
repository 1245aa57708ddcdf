// The origin-response resizer against a real s3rver through the real S3 client, on images
// generated with sharp. Outputs are decoded and checked, never compared as bytes.
import type { CloudFrontResponse, CloudFrontResultResponse } from 'aws-lambda';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHandler } from '../../../functions/resize/index';
import { canonicalQuery } from '../../../shared/canonical';
import { DEFAULT_CONFIG } from '../../../shared/config';
import { resizerConfig } from '../../../functions/resize/runtime-config';
import { generatedResponseBytes, ORIGIN_RESPONSE_LIMIT_BYTES, type EdgeHeaders } from '../../../shared/limits';
import { configWith } from '../../helpers/config';
import { originResponse, type OriginResponseOptions } from '../../helpers/events';
import {
  animated, colourAt, colourNameAt, corners, decode, edgeEnergy, gradient, isRed, maxChannelSpread, noise, photoLike, quadrants, sidewaysJpeg, transparentPng,
} from '../../helpers/images';
import { startS3, type LocalS3 } from '../../helpers/s3';

const BUCKET = 'originals-bucket';
const KOREAN_KEY = 'prod/사진 모음/고양이 사진.jpg';

const resize = suite<{ s3: LocalS3; handler: ReturnType<typeof createHandler>; logs: string[] }>('resize', {} as never);

const originals: Array<[string, () => Promise<Buffer | string>, string]> = [
  ['prod/photo.jpg', () => gradient(800, 600), 'image/jpeg'],
  ['prod/small.jpg', () => gradient(100, 80), 'image/jpeg'],
  ['prod/sideways.jpg', () => sidewaysJpeg(80, 60), 'image/jpeg'],
  ['prod/spinner.gif', () => animated(40, 30, 3, 'gif'), 'image/gif'],
  ['prod/spinner.webp', () => animated(40, 30, 3, 'webp'), 'image/webp'],
  ['prod/logo.png', () => transparentPng(200, 100), 'image/png'],
  ['prod/scan.tiff', () => gradient(120, 90, 'tiff'), 'image/tiff'],
  ['prod/really-a-png.jpg', () => transparentPng(60, 40), 'image/jpeg'],
  ['prod/corrupt.jpg', async () => Buffer.from('this is not a jpeg at all, just text'), 'image/jpeg'],
  ['prod/truncated.jpg', async () => (await gradient(400, 300)).subarray(0, 2000), 'image/jpeg'],
  ['prod/noise.jpg', () => noise(1000, 1000, 'jpeg'), 'image/jpeg'],
  ['prod/noise.png', () => noise(1000, 1000, 'png'), 'image/png'],
  [KOREAN_KEY, () => gradient(300, 200), 'image/jpeg'],
  ['prod/quadrants.png', () => quadrants(300, 200), 'image/png'],
  ['prod/grain.jpg', () => photoLike(300, 200), 'image/jpeg'],
];

// The resizer logs one JSON line per invocation; the tests read or silence them.
const consoleLog = console.log;

resize.before(async (context) => {
  context.s3 = await startS3();
  await context.s3.createBucket(BUCKET);
  for (const [key, make, type] of originals) await context.s3.put(BUCKET, key, await make(), type);
  context.handler = createHandler(resizerConfig(configWith(), context.s3.resizerS3));
  context.logs = [];
  console.log = (...args: unknown[]) => { context.logs.push(args.join(' ')); };
});

resize.after(async (context) => {
  console.log = consoleLog;
  await context.s3.stop();
});

function uriOf(key: string): string {
  return '/' + key.split('/').map(encodeURIComponent).join('/');
}

async function run(context: { handler: ReturnType<typeof createHandler> }, key: string, querystring: string, options: Partial<OriginResponseOptions> = {}) {
  const type = originals.find(([k]) => k === key)?.[2];
  const event = originResponse({ uri: uriOf(key), querystring, contentType: type, ...options });
  const before = JSON.parse(JSON.stringify(event.Records[0].cf.response)) as CloudFrontResponse;
  const result = (await context.handler(event)) as CloudFrontResultResponse;
  return { result, before };
}

function body(result: CloudFrontResultResponse): Buffer {
  assert.is(result.bodyEncoding, 'base64');
  return Buffer.from(result.body!, 'base64');
}

function headerOf(result: CloudFrontResultResponse, name: string): string | undefined {
  return result.headers?.[name]?.[0]?.value;
}

const RESIZED: Array<{ key: string; query: string; format: string; width: number; height: number; pages?: number }> = [
  { key: 'prod/photo.jpg', query: 'w=200&h=150&f=webp&q=90', format: 'webp', width: 200, height: 150 },
  { key: 'prod/photo.jpg', query: 'q=90&f=webp&h=150&w=200', format: 'webp', width: 200, height: 150 },
  { key: 'prod/photo.jpg', query: 'w=200&f=source', format: 'jpeg', width: 200, height: 150 },
  { key: 'prod/photo.jpg', query: 'h=60&f=png', format: 'png', width: 80, height: 60 },
  { key: 'prod/photo.jpg', query: 'w=300&h=100&f=jpeg', format: 'jpeg', width: 300, height: 100 },
  { key: 'prod/photo.jpg', query: 'w=300&h=100&f=jpeg&fit=inside', format: 'jpeg', width: 133, height: 100 },
  { key: 'prod/photo.jpg', query: 'w=300&h=100&f=jpeg&fit=fill', format: 'jpeg', width: 300, height: 100 },
  { key: 'prod/photo.jpg', query: 'w=300&h=100&f=jpeg&fit=outside', format: 'jpeg', width: 300, height: 225 },
  { key: 'prod/photo.jpg', query: 'w=300&h=100&f=avif', format: 'avif', width: 300, height: 100 },
  { key: 'prod/photo.jpg', query: 'w=100&h=100&f=jpeg&pos=attention', format: 'jpeg', width: 100, height: 100 },
  { key: 'prod/photo.jpg', query: 'f=webp', format: 'webp', width: 800, height: 600 },
  { key: 'prod/small.jpg', query: 'w=400&f=source', format: 'jpeg', width: 100, height: 80 },
  { key: 'prod/spinner.gif', query: 'w=20&f=gif', format: 'gif', width: 20, height: 15, pages: 3 },
  { key: 'prod/spinner.gif', query: 'w=20&f=webp', format: 'webp', width: 20, height: 15, pages: 3 },
  { key: 'prod/spinner.gif', query: 'w=20&f=png', format: 'png', width: 20, height: 15, pages: 1 },
  { key: 'prod/spinner.webp', query: 'w=20&f=source', format: 'webp', width: 20, height: 15, pages: 3 },
  { key: 'prod/scan.tiff', query: 'w=60&f=source', format: 'jpeg', width: 60, height: 45 },
  { key: 'prod/really-a-png.jpg', query: 'w=30&f=source', format: 'png', width: 30, height: 20 },
  { key: KOREAN_KEY, query: 'w=150&f=webp', format: 'webp', width: 150, height: 100 },
];

for (const c of RESIZED) {
  resize(`resizes ${c.key}?${c.query} to ${c.width}x${c.height} ${c.format}`, async (context) => {
    const { result } = await run(context, c.key, c.query);
    assert.is(result.status, '200');
    const decoded = await decode(body(result));
    assert.is(decoded.format, c.format);
    assert.is(decoded.width, c.width);
    assert.is(decoded.height, c.height);
    if (c.pages !== undefined) assert.is(decoded.pages, c.pages, 'frames');
    assert.is(headerOf(result, 'content-type'), `image/${c.format}`);
  });
}

resize('a variant carries the configured cache-control, Vary: Accept, server-timing and a new ETag', async (context) => {
  const { result, before } = await run(context, 'prod/photo.jpg', 'w=200&h=150&f=webp&q=90');
  assert.is(headerOf(result, 'cache-control'), 'public, max-age=31536000, immutable');
  assert.is(headerOf(result, 'vary'), 'Accept');
  assert.match(headerOf(result, 'server-timing')!, /fetch;dur=[\d.]+, transform;dur=[\d.]+, total;dur=[\d.]+/);
  assert.ok(headerOf(result, 'etag'));
  assert.is.not(headerOf(result, 'etag'), before.headers.etag[0].value);
  assert.is(result.headers!['content-length'], undefined, "the original's content-length must not survive");
  assert.is(headerOf(result, 'last-modified'), before.headers['last-modified'][0].value);
});

resize('EXIF orientation is applied before resizing and stripped from the output', async (context) => {
  // Stored 80x60 with a red top-left quarter and orientation 6: displayed 60x80, red top right.
  const { result } = await run(context, 'prod/sideways.jpg', 'w=30&f=png');
  const output = body(result);
  const decoded = await decode(output);
  assert.equal([decoded.width, decoded.height], [30, 40]);
  assert.is(decoded.orientation, undefined);
  assert.ok(isRed(await colourAt(output, 20, 2, 8, 8)), 'top right is red');
  assert.not.ok(isRed(await colourAt(output, 2, 2, 8, 8)), 'top left is not red');
});

resize('contain letterboxes with transparency in png and white in jpeg', async (context) => {
  const png = body((await run(context, 'prod/photo.jpg', 'w=100&h=100&f=png&fit=contain')).result);
  assert.ok((await decode(png)).hasAlpha);
  const jpeg = body((await run(context, 'prod/photo.jpg', 'w=100&h=100&f=jpeg&fit=contain')).result);
  const band = await colourAt(jpeg, 0, 0, 100, 5);
  assert.ok(band.r > 240 && band.g > 240 && band.b > 240, `letterbox ${JSON.stringify(band)}`);
});

resize('transparency flattens onto white for jpeg', async (context) => {
  const jpeg = body((await run(context, 'prod/logo.png', 'w=200&f=jpeg')).result);
  const corner = await colourAt(jpeg, 0, 0, 10, 10);
  assert.ok(corner.r > 240 && corner.g > 240 && corner.b > 240, JSON.stringify(corner));
});

const PASSED_THROUGH: Array<[string, Partial<OriginResponseOptions> & { key: string; querystring: string }]> = [
  ['a 404 from the origin', { key: 'prod/missing.jpg', querystring: 'w=200&f=webp', status: '404', contentType: 'application/xml' }],
  ['a 403 from the origin', { key: 'prod/photo.jpg', querystring: 'w=200&f=webp', status: '403', contentType: 'application/xml' }],
  ['a 304 from the origin', { key: 'prod/photo.jpg', querystring: 'w=200&f=webp', status: '304' }],
  ['a PDF', { key: 'prod/manual.pdf', querystring: 'w=200&f=webp', contentType: 'application/pdf' }],
  ['a missing content-type', { key: 'prod/photo.jpg', querystring: 'w=200&f=webp', contentType: null }],
  ['a bare URL', { key: 'prod/photo.jpg', querystring: '' }],
  ['a query that is not canonical (bypassed the normalizer)', { key: 'prod/photo.jpg', querystring: 'w=200&h=150&f=webp&dpr=2' }],
  ['a query without a format (bypassed the normalizer)', { key: 'prod/photo.jpg', querystring: 'w=200' }],
];

for (const [label, options] of PASSED_THROUGH) {
  resize(`passes through untouched: ${label}`, async (context) => {
    const { key, querystring, ...rest } = options;
    const { result, before } = await run(context, key, querystring, rest);
    assert.equal(result, before);
  });
}

const REJECTED: Array<[string, string, string, RegExp]> = [
  ['bytes that are not an image', 'prod/corrupt.jpg', 'w=100&f=webp', /^source must be a decodable JPEG, PNG, WebP, AVIF, GIF or TIFF image, got bytes sharp cannot read \(.+\)\n$/],
  ['a truncated JPEG', 'prod/truncated.jpg', 'w=100&f=webp', /^source could not be converted to webp \(.+\)\n$/],
  ['a truncated JPEG, cropped and rotated (two passes)', 'prod/truncated.jpg', 'f=webp&rot=90&rect=0,200,400,100', /^source could not be converted to webp \(.+\)\n$/],
];

for (const [label, key, query, message] of REJECTED) {
  resize(`422 for ${label}`, async (context) => {
    const { result } = await run(context, key, query);
    assert.is(result.status, '422');
    assert.is(headerOf(result, 'content-type'), 'text/plain; charset=utf-8');
    assert.is(headerOf(result, 'cache-control'), 'public, max-age=60');
    assert.is(result.headers!['content-length'], undefined);
    assert.match(result.body!, message);
    assert.is(result.body!.trim().split('\n').length, 1);
  });
}

resize('422 for a source over maxInputPixels, naming the limit', async (context) => {
  const handler = createHandler(resizerConfig(configWith({ maxInputPixels: 10000 }), context.s3.resizerS3));
  const result = (await handler(originResponse({ uri: '/prod/photo.jpg', querystring: 'w=100&f=webp', contentType: 'image/jpeg' }))) as CloudFrontResultResponse;
  assert.is(result.status, '422');
  assert.is(result.body, 'source must have at most 10000 pixels (maxInputPixels), got 800x600 = 480000\n');
});

resize('422 for a source over maxInputBytes, before reading it', async (context) => {
  const handler = createHandler(resizerConfig(configWith({ maxInputBytes: 1000 }), context.s3.resizerS3));
  const result = (await handler(originResponse({ uri: '/prod/photo.jpg', querystring: 'w=100&f=webp', contentType: 'image/jpeg' }))) as CloudFrontResultResponse;
  assert.is(result.status, '422');
  assert.match(result.body!, /^source must be at most 1000 bytes \(maxInputBytes\), got \d+\n$/);
});

resize('animated frames count against maxInputPixels only when the output keeps them', async (context) => {
  const handler = createHandler(resizerConfig(configWith({ maxInputPixels: 2000 }), context.s3.resizerS3));
  const still = (await handler(originResponse({ uri: '/prod/spinner.gif', querystring: 'w=20&f=png', contentType: 'image/gif' }))) as CloudFrontResultResponse;
  assert.is(still.status, '200');
  const moving = (await handler(originResponse({ uri: '/prod/spinner.gif', querystring: 'w=20&f=gif', contentType: 'image/gif' }))) as CloudFrontResultResponse;
  assert.is(moving.status, '422');
  assert.is(moving.body, 'source must have at most 2000 pixels (maxInputPixels), got 40x30x3 frames = 3600\n');
});

resize('a lossy variant over 1 MB steps quality down until it fits', async (context) => {
  const { result } = await run(context, 'prod/noise.jpg', 'w=1000&f=jpeg&q=100');
  assert.is(result.status, '200');
  assert.ok(generatedResponseBytes(result.headers as EdgeHeaders, result.body) <= ORIGIN_RESPONSE_LIMIT_BYTES);
  const decoded = await decode(body(result));
  assert.equal([decoded.format, decoded.width, decoded.height], ['jpeg', 1000, 1000]);
  const line = JSON.parse(context.logs.filter((l) => l.includes('noise.jpg')).pop()!);
  assert.ok(line.quality < 100, `quality ${line.quality}`);
});

resize('a variant that cannot fit in 1 MB falls back to the untouched origin response', async (context) => {
  const { result, before } = await run(context, 'prod/noise.png', 'w=1000&f=png');
  assert.equal(result, before);
  const line = JSON.parse(context.logs.filter((l) => l.includes('noise.png')).pop()!);
  assert.is(line.outcome, 'fallback-too-large');
});

resize('a key missing from S3 (deleted after the origin answered) falls back, uncached', async (context) => {
  const { result } = await run(context, 'prod/gone.jpg', 'w=100&f=webp', { contentType: 'image/jpeg' });
  assert.is(result.status, '200');
  assert.is(result.body, undefined, 'the origin body passes through');
  assert.is(headerOf(result, 'cache-control'), 'no-store');
});

resize('an S3 server that cannot be reached falls back, uncached', async (context) => {
  const handler = createHandler(resizerConfig(configWith(), { ...context.s3.resizerS3, endpoint: 'http://127.0.0.1:9' }));
  const result = (await handler(originResponse({ uri: '/prod/photo.jpg', querystring: 'w=100&f=webp', contentType: 'image/jpeg' }))) as CloudFrontResultResponse;
  assert.is(result.status, '200');
  assert.is(headerOf(result, 'cache-control'), 'no-store');
});

resize('a bucket passed in overrides the bucket named by the origin', async (context) => {
  await context.s3.createBucket('other-bucket');
  await context.s3.put('other-bucket', 'prod/photo.jpg', await gradient(50, 40), 'image/jpeg');
  const handler = createHandler(resizerConfig(configWith(), { ...context.s3.resizerS3, bucket: 'other-bucket' }));
  const result = (await handler(originResponse({ uri: '/prod/photo.jpg', querystring: 'w=400&f=png', contentType: 'image/jpeg' }))) as CloudFrontResultResponse;
  assert.is((await decode(body(result))).width, 50);
});

resize('HEAD gets the same headers as GET', async (context) => {
  const { result: get } = await run(context, 'prod/photo.jpg', 'w=200&f=webp');
  const { result: head } = await run(context, 'prod/photo.jpg', 'w=200&f=webp', { method: 'HEAD' });
  assert.is(head.status, get.status);
  // server-timing holds this invocation's own timings; every other header must match.
  const without = (headers: EdgeHeaders | undefined) => Object.fromEntries(Object.entries(headers || {}).filter(([name]) => name !== 'server-timing'));
  assert.equal(without(head.headers as EdgeHeaders), without(get.headers as EdgeHeaders));
  assert.ok(head.headers!['server-timing'], 'HEAD has its own server-timing');
  assert.is(headerOf(head, 'content-type'), 'image/webp');
});

resize('one JSON log line per invocation with key, query, bytes, timings and outcome', async (context) => {
  context.logs.length = 0;
  await run(context, KOREAN_KEY, 'w=150&f=webp');
  assert.is(context.logs.length, 1);
  const line = JSON.parse(context.logs[0]);
  assert.is(line.outcome, 'resized');
  assert.is(line.key, KOREAN_KEY);
  assert.is(line.query, 'w=150&f=webp');
  assert.ok(line.bytesIn > 0 && line.bytesOut > 0);
  for (const stage of ['fetch', 'transform', 'total']) assert.type(line.ms[stage], 'number');
});

resize('the original in S3 is never changed, byte for byte, by a resize, an edit or a refusal', async (context) => {
  for (const [key, query] of [['prod/photo.jpg', 'w=10&f=png'], ['prod/quadrants.png', 'f=png&rot=90&flip=h&rect=0,0,100,100&gray=1'], ['prod/quadrants.png', 'f=png&rect=900,0,1,1']]) {
    const before = await context.s3.get(BUCKET, key);
    const { result } = await run(context, key, query);
    assert.ok(result.status === '200' || result.status === '422', `${key}?${query} ran`);
    const after = await context.s3.get(BUCKET, key);
    assert.ok(after.equals(before), `${key} unchanged after ?${query}`);
  }
});

// The edits, on a 300x200 image of four quadrants (red, green / blue, white), decoded.
const EDITS: Array<{ query: string; size: [number, number]; corners: string[]; why: string }> = [
  { query: 'f=png&rot=90', size: [200, 300], corners: ['blue', 'red', 'green', 'white'], why: 'the top-left colour is now at the top right' },
  { query: 'f=png&rot=270', size: [200, 300], corners: ['green', 'white', 'blue', 'red'], why: 'three quarters (what rot=-90 canonicalizes to)' },
  { query: 'f=png&rot=180', size: [300, 200], corners: ['white', 'blue', 'red', 'green'], why: 'half a turn' },
  { query: 'w=100&f=png&rot=90', size: [100, 150], corners: ['blue', 'red', 'green', 'white'], why: 'w describes the rotated image' },
  { query: 'f=png&flip=h', size: [300, 200], corners: ['green', 'red', 'blue', 'white'], why: 'mirrored left-right' },
  { query: 'f=png&flip=v', size: [300, 200], corners: ['blue', 'white', 'green', 'red'], why: 'mirrored top-bottom' },
  { query: 'f=png&flip=hv', size: [300, 200], corners: ['white', 'blue', 'red', 'green'], why: 'both mirrors are half a turn' },
  { query: 'f=png&rot=90&flip=h', size: [200, 300], corners: ['red', 'blue', 'white', 'green'], why: 'the mirror comes after the rotation' },
  { query: 'w=100&f=png&rot=90&flip=v', size: [100, 150], corners: ['white', 'green', 'red', 'blue'], why: 'the mirror comes after the rotation, before the resize' },
  { query: 'f=png&rect=150,0,150,100', size: [150, 100], corners: ['green', 'green', 'green', 'green'], why: 'exactly the top-right quadrant' },
  { query: 'f=png&rect=100,50,100,100', size: [100, 100], corners: ['red', 'green', 'white', 'blue'], why: 'exactly the centre, one quarter of each quadrant' },
  { query: 'f=png&rect=250,150,100,100', size: [50, 50], corners: ['white', 'white', 'white', 'white'], why: 'reaching past the image, clipped to it' },
  { query: 'w=50&f=png&rect=0,0,150,200&rot=90', size: [50, 38], corners: ['blue', 'red', 'red', 'blue'], why: 'the crop comes before the rotation and both before the resize' },
  { query: 'w=50&h=100&f=png', size: [50, 100], corners: ['red', 'green', 'white', 'blue'], why: 'without a focal point, cover keeps the centre' },
  { query: 'w=50&h=100&f=png&pos=0.95,0.95', size: [50, 100], corners: ['green', 'green', 'white', 'white'], why: 'a focal point near the bottom-right corner keeps that corner' },
  { query: 'w=50&h=100&f=png&pos=0.05,0.05', size: [50, 100], corners: ['red', 'red', 'blue', 'blue'], why: 'a focal point near the top-left corner keeps that corner' },
  { query: 'w=150&h=50&f=png&pos=0.50,0.95', size: [150, 50], corners: ['blue', 'white', 'white', 'blue'], why: 'a focal point near the bottom edge keeps the bottom edge' },
];

for (const edit of EDITS) {
  resize(`edit ?${edit.query}: ${edit.why}`, async (context) => {
    // As a viewer asks it: the normalizer's canonical query (flip=v and flip=hv are respelled as turns) must still look as asked.
    const { result } = await run(context, 'prod/quadrants.png', canonicalQuery(edit.query, undefined, DEFAULT_CONFIG));
    assert.is(result.status, '200');
    const output = body(result);
    const decoded = await decode(output);
    assert.equal([decoded.width, decoded.height], edit.size, 'size');
    const found = await corners(output);
    assert.equal(found, edit.corners, 'corner colours, clockwise from top left');
  });
}

resize('rect means the image as displayed: EXIF orientation comes first', async (context) => {
  // sideways.jpg is displayed 60x80 with a red top-right quarter (30x40).
  const { result } = await run(context, 'prod/sideways.jpg', 'f=png&rect=30,0,30,40');
  const output = body(result);
  assert.equal([(await decode(output)).width, (await decode(output)).height], [30, 40]);
  assert.equal(await corners(output), ['red', 'red', 'red', 'red']);
});

resize('gray=1 has equal channels', async (context) => {
  const colour = body((await run(context, 'prod/quadrants.png', 'w=100&f=png')).result);
  assert.ok(await maxChannelSpread(colour) > 200, 'the source has colour');
  for (const format of ['png', 'jpeg', 'webp']) {
    const gray = body((await run(context, 'prod/quadrants.png', `w=100&f=${format}&gray=1`)).result);
    assert.ok(await maxChannelSpread(gray) <= 2, `${format} is grey`);
  }
});

resize('blur lowers the high-frequency energy and sharpen raises it', async (context) => {
  const energy = async (query: string) => edgeEnergy(body((await run(context, 'prod/grain.jpg', query)).result));
  const plain = await energy('w=200&f=png');
  const blurred = await energy('w=200&f=png&blur=2');
  const sharpened = await energy('w=200&f=png&sharpen=2');
  assert.ok(blurred < plain * 0.7, `blur: ${blurred} vs ${plain}`);
  assert.ok(sharpened > plain * 1.1, `sharpen: ${sharpened} vs ${plain}`);
  assert.ok(await energy('w=200&f=png&blur=8') < blurred, 'a larger sigma blurs more');
});

resize('bg paints the contain letterbox and flattens transparency', async (context) => {
  const letterboxed = body((await run(context, 'prod/photo.jpg', 'w=100&h=100&f=jpeg&fit=contain&bg=ff0000')).result);
  assert.is(await colourNameAt(letterboxed, 0, 0, 100, 5), 'red', 'letterbox band');
  const png = body((await run(context, 'prod/photo.jpg', 'w=100&h=100&f=png&fit=contain&bg=0000ff')).result);
  assert.is(await colourNameAt(png, 0, 0, 100, 5), 'blue', 'a png letterbox takes bg too');
  const flattened = body((await run(context, 'prod/logo.png', 'w=200&f=jpeg&bg=ff0000')).result);
  assert.is(await colourNameAt(flattened, 0, 0, 10, 10), 'red', 'transparent corner flattened to red');
  assert.is(await colourNameAt(flattened, 90, 40, 20, 20), 'green', 'the opaque centre stays');
});

resize('anim=0 on an animated GIF gives one frame; without it every frame stays', async (context) => {
  const still = await decode(body((await run(context, 'prod/spinner.gif', 'w=20&f=gif&anim=0')).result));
  assert.equal([still.format, still.pages, still.width], ['gif', 1, 20]);
  const moving = await decode(body((await run(context, 'prod/spinner.gif', 'w=20&f=gif')).result));
  assert.is(moving.pages, 3);
  const cropped = await decode(body((await run(context, 'prod/spinner.gif', 'f=gif&rect=0,0,20,20')).result));
  assert.equal([cropped.width, cropped.height, cropped.pages], [20, 20, 3], 'rect crops every frame');
});

const REFUSED_EDITS: Array<[string, string, string]> = [
  ['prod/quadrants.png', 'f=png&rect=300,0,10,10', 'rect must overlap the 300x200 source, got 300,0,10,10\n'],
  ['prod/sideways.jpg', 'f=png&rect=70,0,10,10', 'rect must overlap the 60x80 source, got 70,0,10,10\n'],
  ['prod/spinner.gif', 'w=20&f=gif&rot=90', 'rot, flip=v and trim need a still image, got an animated gif of 3 frames (anim=0 takes its first frame)\n'],
];

for (const [key, query, message] of REFUSED_EDITS) {
  resize(`422 for ${key}?${query}`, async (context) => {
    const { result } = await run(context, key, query);
    assert.is(result.status, '422');
    assert.is(result.body, message);
    assert.is(headerOf(result, 'cache-control'), 'public, max-age=60');
  });
}

resize.run();
