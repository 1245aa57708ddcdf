// Hostile and unusual sources through the resizer (real s3rver, real SDK, real sharp), each
// with its defined answer inside the function timeout: decompression bombs in every raster
// format, a 16000-frame animation, truncated and empty files, a PNG named .jpg, CMYK and
// 16-bit sources, stray bytes, and SVG, which is never rasterized.
import type { CloudFrontResultResponse } from 'aws-lambda';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHandler, SVG_HEADERS } from '../../../functions/resize/index';
import { resizerConfig } from '../../../functions/resize/runtime-config';
import { configWith } from '../../helpers/config';
import { originResponse } from '../../helpers/events';
import { gif, HOSTILE_SVG, jpegBomb, jpegWithStrayBytes, pngBomb, webpBomb } from '../../helpers/hostile-images';
import { decode, gradient, transparentPng } from '../../helpers/images';
import { startS3, type LocalS3 } from '../../helpers/s3';

const BUCKET = 'hostile-bucket';
const config = configWith();
const TIMEOUT_MS = config.deploy.resizeTimeoutSeconds * 1000;

interface Context { s3: LocalS3; handler: ReturnType<typeof createHandler>; logs: string[] }
const hostile = suite<Context>('resize: hostile sources', {} as never);

type Expected =
  | { status: 422; body: RegExp; beforeDecoding?: true }
  | { status: 200; format: string; width: number; height: number; pages?: number; space?: string };

interface Row { label: string; key: string; type: string; make: () => Promise<Buffer> | Buffer; query: string; expect: Expected }

const ROWS: Row[] = [
  { label: 'a PNG bomb over sharp\'s own pixel limit (20000x20000 in 119 bytes)', key: 'prod/bomb.png', type: 'image/png', make: () => pngBomb(20000, 20000), query: 'w=100&f=webp',
    expect: { status: 422, body: /^source must have at most 50000000 pixels \(maxInputPixels\), got 20000x20000 = 400000000\n$/, beforeDecoding: true } },
  { label: 'a PNG bomb under sharp\'s limit, over maxInputPixels', key: 'prod/bomb-small.png', type: 'image/png', make: () => pngBomb(10000, 10000), query: 'w=100&f=webp',
    expect: { status: 422, body: /^source must have at most 50000000 pixels \(maxInputPixels\), got 10000x10000 = 100000000\n$/, beforeDecoding: true } },
  { label: 'a JPEG bomb (SOF declares 65000x65000)', key: 'prod/bomb.jpg', type: 'image/jpeg', make: () => jpegBomb(65000, 65000), query: 'w=100&f=webp',
    expect: { status: 422, body: /^source must have at most 50000000 pixels \(maxInputPixels\), got 65000x65000 = 4225000000\n$/, beforeDecoding: true } },
  { label: 'a WebP bomb (VP8L declares 16383x16383, sharp\'s limit exactly)', key: 'prod/bomb.webp', type: 'image/webp', make: () => webpBomb(16383, 16383), query: 'w=100&f=png',
    expect: { status: 422, body: /^source must have at most 50000000 pixels \(maxInputPixels\), got 16383x16383 = 268402689\n$/, beforeDecoding: true } },
  { label: 'a GIF bomb (one 65535x65535 frame in 97 bytes)', key: 'prod/bomb.gif', type: 'image/gif', make: () => gif(65535, 65535, 1, { width: 65535, height: 65535 }, 64), query: 'w=100&f=webp',
    expect: { status: 422, body: /^source must have at most 50000000 pixels \(maxInputPixels\), got 65535x65535 = 4294836225\n$/, beforeDecoding: true } },
  { label: 'a 16000-frame animation kept as gif', key: 'prod/long.gif', type: 'image/gif', make: () => gif(8, 8, 16000), query: 'w=4&f=gif',
    expect: { status: 200, format: 'gif', width: 4, height: 4, pages: 16000 } },
  { label: 'a 16000-frame animation to a still png', key: 'prod/long.gif', type: 'image/gif', make: () => gif(8, 8, 16000), query: 'w=4&f=png',
    expect: { status: 200, format: 'png', width: 4, height: 4, pages: 1 } },
  { label: 'a zero-byte file', key: 'prod/empty.jpg', type: 'image/jpeg', make: () => Buffer.alloc(0), query: 'w=100&f=webp',
    expect: { status: 422, body: /^source must be a decodable JPEG, PNG, WebP, AVIF, GIF or TIFF image, got bytes sharp cannot read \(.+\)\n$/, beforeDecoding: true } },
  { label: 'a truncated PNG', key: 'prod/truncated.png', type: 'image/png', make: async () => (await gradient(300, 200, 'png')).subarray(0, 3000), query: 'w=100&f=webp',
    expect: { status: 422, body: /^source could not be converted to webp \(.+\)\n$/ } },
  { label: 'a truncated JPEG', key: 'prod/truncated.jpg', type: 'image/jpeg', make: async () => (await gradient(400, 300)).subarray(0, 2000), query: 'w=100&f=webp',
    expect: { status: 422, body: /^source could not be converted to webp \(.+\)\n$/ } },
  { label: 'a JPEG with two stray bytes before a marker (browsers show it)', key: 'prod/stray.jpg', type: 'image/jpeg', make: () => jpegWithStrayBytes(200, 150), query: 'w=100&f=webp',
    expect: { status: 200, format: 'webp', width: 100, height: 75 } },
  { label: 'a PNG named .jpg', key: 'prod/png-named.jpg', type: 'image/jpeg', make: () => transparentPng(80, 40), query: 'w=40&f=source',
    expect: { status: 200, format: 'png', width: 40, height: 20 } },
  { label: 'a CMYK JPEG, converted to sRGB', key: 'prod/cmyk.jpg', type: 'image/jpeg', make: async () => sharp(await gradient(120, 90)).toColourspace('cmyk').jpeg().toBuffer(), query: 'w=60&f=jpeg',
    expect: { status: 200, format: 'jpeg', width: 60, height: 45, space: 'srgb' } },
  { label: 'a 16-bit PNG', key: 'prod/deep.png', type: 'image/png', make: async () => sharp(await gradient(120, 90, 'png')).toColourspace('rgb16').png().toBuffer(), query: 'w=60&f=webp',
    expect: { status: 200, format: 'webp', width: 60, height: 45, space: 'srgb' } },
  { label: 'SVG bytes behind a raster content type (never rasterized)', key: 'prod/svg-named.png', type: 'image/png', make: () => Buffer.from(HOSTILE_SVG), query: 'w=100&f=png',
    expect: { status: 422, body: /^source must be a JPEG, PNG, WebP, AVIF, GIF or TIFF image, got svg\n$/, beforeDecoding: true } },
];

const consoleLog = console.log;

hostile.before(async (context) => {
  context.s3 = await startS3();
  await context.s3.createBucket(BUCKET);
  const seen = new Set<string>();
  for (const row of ROWS) {
    if (seen.has(row.key)) continue;
    seen.add(row.key);
    await context.s3.put(BUCKET, row.key, await row.make(), row.type);
  }
  await context.s3.put(BUCKET, 'prod/evil.svg', HOSTILE_SVG, 'image/svg+xml');
  context.handler = createHandler(resizerConfig(config, { ...context.s3.resizerS3, bucket: BUCKET }));
  context.logs = [];
  console.log = (...args: unknown[]) => { context.logs.push(args.join(' ')); };
});

hostile.after(async (context) => {
  console.log = consoleLog;
  await context.s3?.stop();
});

function header(result: CloudFrontResultResponse, name: string): string | undefined {
  return result.headers?.[name]?.[0]?.value;
}

for (const row of ROWS) {
  hostile(`${row.label}: ${row.expect.status}, inside the function timeout`, async (context) => {
    const started = performance.now();
    const event = originResponse({ uri: '/' + row.key, querystring: row.query, contentType: row.type });
    const result = (await context.handler(event)) as CloudFrontResultResponse;
    const ms = performance.now() - started;
    assert.ok(ms < TIMEOUT_MS, `answered in ${Math.round(ms)} ms`);
    assert.is(result.status, String(row.expect.status), String(result.body).slice(0, 200));
    const line = JSON.parse(context.logs[context.logs.length - 1]);
    if (row.expect.status === 422) {
      assert.match(result.body!, row.expect.body);
      assert.is(header(result, 'cache-control'), config.errorCacheControl);
      // Refused from the header: nothing was decoded or encoded.
      if (row.expect.beforeDecoding) assert.is(line.ms.transform, undefined, 'refused before decoding');
      return;
    }
    const output = Buffer.from(result.body!, 'base64');
    const decoded = await decode(output);
    assert.equal([decoded.format, decoded.width, decoded.height], [row.expect.format, row.expect.width, row.expect.height]);
    if (row.expect.pages !== undefined) assert.is(decoded.pages, row.expect.pages, 'frames');
    if (row.expect.space) assert.is((await sharp(output).metadata()).space, row.expect.space);
  });
}

for (const query of ['w=100&f=png', '']) {
  hostile(`an SVG with script and external references passes through unrasterized, with a sandboxing CSP (${query ? 'transform' : 'bare URL'})`, async (context) => {
    const event = originResponse({ uri: '/prod/evil.svg', querystring: query, contentType: 'image/svg+xml' });
    const result = (await context.handler(event)) as CloudFrontResultResponse;
    assert.is(result.status, '200');
    assert.is(result.body, undefined, 'the origin body (the SVG as stored) passes through');
    assert.is(header(result, 'content-type'), 'image/svg+xml');
    for (const [name, value] of Object.entries(SVG_HEADERS)) assert.is(header(result, name), value, name);
    assert.is(header(result, 'content-security-policy'), "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  });
}

hostile('peak RSS of the process stays under deploy.resizeMemoryMb', () => {
  // maxRSS is in kilobytes and covers everything this process ran, so it bounds the resizer's own.
  const peakMb = process.resourceUsage().maxRSS / 1024;
  assert.ok(peakMb < config.deploy.resizeMemoryMb, `peak RSS ${Math.round(peakMb)} MB`);
  process.stderr.write(`hostile sources: peak RSS ${Math.round(peakMb)} MB (limit ${config.deploy.resizeMemoryMb} MB)\n`);
});

hostile.run();
