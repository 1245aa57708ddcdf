// "Never larger for nothing": when the variant would be larger than an original that already
// has its pixels and a format every requester decodes, the handler serves the original's bytes
// and logs the outcome original-smaller. Real s3rver, real sharp; outputs decoded.
import type { CloudFrontResultResponse } from 'aws-lambda';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHandler } from '../../../functions/resize/index';
import { resizerConfig } from '../../../functions/resize/runtime-config';
import { configWith } from '../../helpers/config';
import { originResponse } from '../../helpers/events';
import { colourAt, decode } from '../../helpers/images';
import { startS3, type LocalS3 } from '../../helpers/s3';

const BUCKET = 'originals-bucket';
const test = suite<{ s3: LocalS3; handler: ReturnType<typeof createHandler>; logs: string[]; sizes: Record<string, number> }>('never larger', {} as never);
const consoleLog = console.log;

// Flat colour quantised to a palette: re-encoding it the usual way only makes it larger.
const flat = (channels: 3 | 4, alpha = 1) => sharp({ create: { width: 300, height: 200, channels, background: { r: 20, g: 120, b: 200, alpha } } });
const ORIGINALS: Array<[string, () => Promise<Buffer>, string]> = [
  ['prod/flat.png', () => flat(3).png({ palette: true, colours: 2 }).toBuffer(), 'image/png'],
  ['prod/see-through.png', () => flat(4, 0.5).png({ palette: true, colours: 2 }).toBuffer(), 'image/png'],
  ['prod/flat.webp', () => flat(3).webp({ lossless: true }).toBuffer(), 'image/webp'],
];

test.before(async (context) => {
  context.s3 = await startS3();
  await context.s3.createBucket(BUCKET);
  context.sizes = {};
  for (const [key, make, type] of ORIGINALS) {
    const bytes = await make();
    context.sizes[key] = bytes.length;
    await context.s3.put(BUCKET, key, bytes, type);
  }
  context.handler = createHandler(resizerConfig(configWith(), context.s3.resizerS3));
  context.logs = [];
  console.log = (...args: unknown[]) => { context.logs.push(args.join(' ')); };
});

test.after(async (context) => {
  console.log = consoleLog;
  await context.s3.stop();
});

async function run(context: { handler: ReturnType<typeof createHandler>; logs: string[] }, key: string, querystring: string) {
  const type = ORIGINALS.find(([k]) => k === key)![2];
  const result = (await context.handler(originResponse({ uri: `/${key}`, querystring, contentType: type }))) as CloudFrontResultResponse;
  const log = JSON.parse(context.logs[context.logs.length - 1]);
  return { result, log, bytes: Buffer.from(result.body || '', 'base64') };
}

test('a same-size png variant larger than its palette original serves the original, logged original-smaller', async (context) => {
  const { result, log, bytes } = await run(context, 'prod/flat.png', 'w=300&f=png');
  assert.is(result.status, '200');
  assert.is(log.outcome, 'original-smaller');
  assert.is(log.bytesOut, context.sizes['prod/flat.png']);
  assert.is(result.headers!['content-type'][0].value, 'image/png');
  const decoded = await decode(bytes);
  assert.equal([decoded.format, decoded.width, decoded.height], ['png', 300, 200]);
  const colour = await colourAt(bytes, 100, 50, 20, 20);
  assert.ok(Math.abs(colour.b - 200) < 4 && Math.abs(colour.g - 120) < 4, `pixels kept: ${JSON.stringify(colour)}`);
});

test('a png original that every browser decodes is served for a larger same-size webp request', async (context) => {
  const { log, result, bytes } = await run(context, 'prod/flat.png', 'w=300&h=200&f=webp');
  assert.is(log.outcome, 'original-smaller', `variant ${log.bytesOut} bytes`);
  assert.is(result.headers!['content-type'][0].value, 'image/png');
  assert.is((await decode(bytes)).format, 'png');
});

test('a smaller size is always resized, never the original', async (context) => {
  const { log, bytes } = await run(context, 'prod/flat.png', 'w=150&f=png');
  assert.is(log.outcome, 'resized');
  const decoded = await decode(bytes);
  assert.equal([decoded.width, decoded.height], [150, 100]);
});

test('a transparent original asked for as jpeg is flattened, not served as the original png', async (context) => {
  const { log, result, bytes } = await run(context, 'prod/see-through.png', 'w=300&f=jpeg');
  assert.is(log.outcome, 'resized');
  assert.is(result.headers!['content-type'][0].value, 'image/jpeg');
  const decoded = await decode(bytes);
  assert.equal([decoded.format, decoded.hasAlpha], ['jpeg', false]);
});

test('a webp original is not served to a key that asked for jpeg (not every requester decodes webp)', async (context) => {
  const { log, result, bytes } = await run(context, 'prod/flat.webp', 'w=300&f=jpeg');
  assert.is(log.outcome, 'resized');
  assert.is(result.headers!['content-type'][0].value, 'image/jpeg');
  assert.is((await decode(bytes)).format, 'jpeg');
});

test.run();
