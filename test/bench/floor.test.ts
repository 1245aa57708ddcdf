// npm run bench's floor (bench/resize.ts, floorTransform) is bare sharp making the handler's
// output, so ours over the floor measures only what the handler adds: byte for byte the same
// variant for a transparent PNG to jpeg (flattened onto white) and to webp, and for a source
// tagged plain sRGB (decoded without the conversion), through the handler over s3rver.
import type { CloudFrontResultResponse } from 'aws-lambda';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { floorDecoding, floorTransform, GEOMETRIES, type BenchFormat } from '../../bench/pipelines';
import { reference } from '../../bench/resize';
import { createHandler } from '../../functions/resize/index';
import { resizerConfig } from '../../functions/resize/runtime-config';
import { canonicalQuery } from '../../shared/canonical';
import { DEFAULT_CONFIG } from '../../shared/config';
import { configWith } from '../helpers/config';
import { originResponse } from '../helpers/events';
import { photoLike, transparentPng } from '../helpers/images';
import { startS3, type LocalS3 } from '../helpers/s3';

const BUCKET = 'floor-bucket';
interface Context { s3: LocalS3; sources: Record<string, Buffer>; handler: ReturnType<typeof createHandler> }
const floor = suite<Context>('bench: the floor makes the handler\'s output', {} as never);
const consoleLog = console.log;

floor.before(async (context) => {
  context.s3 = await startS3();
  await context.s3.createBucket(BUCKET);
  context.sources = {
    'prod/transparent.png': await transparentPng(800, 600),
    'prod/srgb.jpg': await sharp(await photoLike(800, 600)).withIccProfile('srgb').jpeg().toBuffer(),
  };
  for (const [key, bytes] of Object.entries(context.sources)) await context.s3.put(BUCKET, key, bytes, key.endsWith('.png') ? 'image/png' : 'image/jpeg');
  context.handler = createHandler(resizerConfig(configWith(), { ...context.s3.resizerS3, bucket: BUCKET }));
  console.log = () => undefined;
});

floor.after(async (context) => {
  console.log = consoleLog;
  await context.s3?.stop();
});

floor('a transparent PNG and an sRGB-tagged JPEG, to jpeg and webp at both bench sizes: the same bytes', async (context) => {
  for (const [key, source] of Object.entries(context.sources)) {
    const decoding = await floorDecoding(source);
    for (const geometry of GEOMETRIES) {
      const ref = await reference(source, geometry);
      for (const format of ['jpeg', 'webp'] as BenchFormat[]) {
        const querystring = canonicalQuery(`w=${geometry.width}${geometry.height ? `&h=${geometry.height}` : ''}&f=${format}`, undefined, DEFAULT_CONFIG);
        const result = (await context.handler(originResponse({ uri: `/${key}`, querystring, contentType: 'image/png' }))) as CloudFrontResultResponse;
        assert.is(result.status, '200', `${key}?${querystring}`);
        const floorBytes = await floorTransform(source, geometry, format, ref.width * ref.height, decoding);
        assert.ok(Buffer.from(result.body!, 'base64').equals(floorBytes), `${key}?${querystring}: the floor's bytes are the handler's`);
      }
    }
  }
});

floor.run();
