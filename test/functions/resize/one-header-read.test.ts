// Issue 15 item 2, "One header read": a miss opens the original with sharp once and asks that
// decoder's metadata() once; the transform is built on the same instance and every encode of the
// size ladder runs it again, instead of a separate header read and a new decoder per attempt.
// Counted through the handler's injected `open` (real sharp, each instance it returns counted),
// with the original read from s3rver through the real S3 path.
//
// What this does not remove: sharp's native layer opens the buffer in each call it makes
// (metadata() and every pipeline run call OpenInput), so libvips still reads the header for the
// metadata and again when the pipeline decodes (docs/performance.md, "One header read").
import type { CloudFrontResultResponse } from 'aws-lambda';
import sharp, { type Sharp, type SharpOptions } from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHandler } from '../../../functions/resize/index';
import { resizerConfig } from '../../../functions/resize/runtime-config';
import { configWith } from '../../helpers/config';
import { originResponse } from '../../helpers/events';
import { animated, decode, noise, photoLike } from '../../helpers/images';
import { startS3, type LocalS3 } from '../../helpers/s3';

const BUCKET = 'header-read-bucket';
const config = configWith();

interface Opened { readonly bytes: number; readonly options: SharpOptions; metadataCalls: number }
interface Context { s3: LocalS3; sources: Record<string, Buffer>; opened: Opened[]; logs: string[]; handler: ReturnType<typeof createHandler> }
const headerRead = suite<Context>('resize: one header read per miss', {} as never);

/** Real sharp: each instance the handler opens is recorded, and its metadata() calls counted. */
function countingOpen(opened: Opened[]) {
  return (input: Buffer, options: SharpOptions): Sharp => {
    const record: Opened = { bytes: input.length, options, metadataCalls: 0 };
    opened.push(record);
    const image = sharp(input, options);
    const metadata = image.metadata.bind(image) as () => ReturnType<Sharp['metadata']>;
    (image as { metadata: () => ReturnType<Sharp['metadata']> }).metadata = () => {
      record.metadataCalls++;
      return metadata();
    };
    return image;
  };
}

const consoleLog = console.log;

headerRead.before(async (context) => {
  context.s3 = await startS3();
  await context.s3.createBucket(BUCKET);
  context.sources = {
    'prod/photo.jpg': await photoLike(1200, 800),
    // Incompressible: a 1400x1400 jpeg of it is over a generated response's 1 MB, so the size ladder steps down.
    'prod/noise.png': await noise(1400, 1400, 'png'),
    'prod/anim.gif': await animated(120, 80, 6, 'gif'),
    'prod/srgb.jpg': await sharp(await photoLike(600, 400)).withIccProfile('srgb').jpeg().toBuffer(),
    'prod/p3.jpg': await sharp(await photoLike(600, 400)).withIccProfile('p3').jpeg().toBuffer(),
  };
  const types: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', gif: 'image/gif' };
  for (const [key, bytes] of Object.entries(context.sources)) await context.s3.put(BUCKET, key, bytes, types[key.split('.').pop()!]);
  context.opened = [];
  context.logs = [];
  context.handler = createHandler(resizerConfig(config, { ...context.s3.resizerS3, bucket: BUCKET }), countingOpen(context.opened));
  console.log = (...args: unknown[]) => { context.logs.push(args.join(' ')); };
});

headerRead.after(async (context) => {
  console.log = consoleLog;
  await context.s3?.stop();
});

async function miss(context: Context, key: string, querystring: string) {
  context.opened.length = 0;
  const types: Record<string, string> = { jpg: 'image/jpeg', png: 'image/png', gif: 'image/gif' };
  const result = (await context.handler(originResponse({ uri: `/${key}`, querystring, contentType: types[key.split('.').pop()!] }))) as CloudFrontResultResponse;
  const line = JSON.parse(context.logs[context.logs.length - 1]);
  assert.is(result.status, '200', `${key}?${querystring}: ${line.outcome} ${line.reason || ''}`);
  return { result, line, opened: [...context.opened] };
}

headerRead('a still miss: the original opened once, its header read once, the variant from that decoder', async (context) => {
  const { result, line, opened } = await miss(context, 'prod/photo.jpg', 'f=webp&w=300');
  assert.is(line.outcome, 'resized');
  assert.is(opened.length, 1, 'sharp instances opened on the original');
  assert.is(opened[0].bytes, context.sources['prod/photo.jpg'].length, 'opened on the original\'s bytes');
  assert.is(opened[0].metadataCalls, 1, 'header reads');
  const decoded = await decode(Buffer.from(result.body!, 'base64'));
  assert.equal([decoded.format, decoded.width, decoded.height], ['webp', 300, 200]);
});

headerRead('the size ladder encodes the same decoder again: one instance for every attempt', async (context) => {
  const { result, line, opened } = await miss(context, 'prod/noise.png', 'f=jpeg&w=1400');
  // The plan's quality (80) did not fit 1 MB: at least one lower step ran.
  assert.ok(line.quality < config.quality.jpeg, `quality ${line.quality}: the ladder did not step`);
  assert.is(opened.length, 1, 'sharp instances opened on the original');
  assert.is(opened[0].metadataCalls, 1, 'header reads');
  const decoded = await decode(Buffer.from(result.body!, 'base64'));
  assert.equal([decoded.format, decoded.width, decoded.height], ['jpeg', 1400, 1400]);
});

headerRead('a crop with a rotation (its own raw geometry pass) and the info answer: one instance on the original', async (context) => {
  for (const query of ['f=png&rect=100,100,400,300&rot=90&w=150', 'f=json&w=300']) {
    const { line, opened } = await miss(context, 'prod/photo.jpg', query);
    assert.is(line.outcome, 'resized', query);
    assert.is(opened.length, 1, `${query}: sharp instances opened on the original`);
    assert.is(opened[0].metadataCalls, 1, `${query}: header reads`);
  }
});

headerRead('an animation kept animated: the header read once; sharp fixes the frames read when it is constructed, so the bytes are opened once more for every frame', async (context) => {
  const { result, opened } = await miss(context, 'prod/anim.gif', 'f=webp&w=60');
  assert.is(opened.length, 2, 'sharp instances opened on the original');
  assert.equal(opened.map((o) => o.metadataCalls), [1, 0], 'header reads');
  assert.equal(opened.map((o) => [o.options.animated, o.options.limitInputPixels]), [[false, false], [true, config.maxInputPixels]]);
  const decoded = await decode(Buffer.from(result.body!, 'base64'));
  assert.equal([decoded.format, decoded.width, decoded.height, decoded.pages], ['webp', 60, 40, 6]);
});

headerRead('an animation asked as a still (anim=0): one instance, the first frame', async (context) => {
  const { result, opened } = await miss(context, 'prod/anim.gif', 'anim=0&f=webp&w=60');
  assert.is(opened.length, 1);
  assert.is(opened[0].metadataCalls, 1);
  const decoded = await decode(Buffer.from(result.body!, 'base64'));
  assert.equal([decoded.format, decoded.width, decoded.height, decoded.pages], ['webp', 60, 40, 1]);
});

headerRead('a source tagged plain sRGB: one instance, opened without converting through its profile; any other profile: opened once more to apply it', async (context) => {
  const srgb = await miss(context, 'prod/srgb.jpg', 'f=webp&w=300');
  assert.equal(srgb.opened.map((o) => [o.options.ignoreIcc, o.metadataCalls]), [[true, 1]], 'sRGB: instances (ignoreIcc, header reads)');
  const p3 = await miss(context, 'prod/p3.jpg', 'f=webp&w=300');
  assert.equal(p3.opened.map((o) => [o.options.ignoreIcc, o.metadataCalls]), [[true, 1], [false, 0]], 'Display P3: instances (ignoreIcc, header reads)');
  for (const { result } of [srgb, p3]) {
    const decoded = await decode(Buffer.from(result.body!, 'base64'));
    assert.equal([decoded.format, decoded.width, decoded.height], ['webp', 300, 200]);
  }
});

headerRead.run();
