// A 206 from S3 under a transform key (a viewer's Range reached the origin: CloudFront forwards it
// on a miss, Developer Guide "How CloudFront processes partial requests for an object (range
// GETs)") never passes through the resizer: it answers the whole variant, read from the whole
// original, or a 416 that CloudFront does not store. Real s3rver, real sharp, outputs decoded.
import type { CloudFrontResultResponse } from 'aws-lambda';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHandler } from '../../../functions/resize/index';
import { resizerConfig } from '../../../functions/resize/runtime-config';
import { configWith } from '../../helpers/config';
import { originResponse } from '../../helpers/events';
import { decode, gradient, noise } from '../../helpers/images';
import { startS3, type LocalS3 } from '../../helpers/s3';

const BUCKET = 'originals-bucket';
const range = suite<{ s3: LocalS3; handler: ReturnType<typeof createHandler>; original: Buffer }>('resize: partial origin answers', {} as never);
const consoleLog = console.log;

range.before(async (context) => {
  context.s3 = await startS3();
  await context.s3.createBucket(BUCKET);
  context.original = await gradient(800, 600);
  await context.s3.put(BUCKET, 'prod/photo.jpg', context.original, 'image/jpeg');
  await context.s3.put(BUCKET, 'prod/noise.png', await noise(1000, 1000, 'png'), 'image/png');
  await context.s3.put(BUCKET, 'prod/doc.pdf', Buffer.from('%PDF-1.4 not really'), 'application/pdf');
  context.handler = createHandler(resizerConfig(configWith(), context.s3.resizerS3));
  console.log = () => undefined;
});

range.after(async (context) => {
  console.log = consoleLog;
  await context.s3.stop();
});

/** S3's answer to `Range: bytes=0-99`: 206, the first 100 bytes' headers. */
function partialEvent(uri: string, querystring: string, contentType: string, total: number, options: { status?: string; contentRangeOnly?: boolean } = {}) {
  const event = originResponse({ uri, querystring, contentType, status: options.status || '206' });
  const response = event.Records[0].cf.response;
  response.statusDescription = 'Partial Content';
  response.headers['content-range'] = [{ key: 'Content-Range', value: `bytes 0-99/${total}` }];
  response.headers['content-length'] = [{ key: 'Content-Length', value: '100' }];
  return event;
}

function headerOf(result: CloudFrontResultResponse, name: string): string | undefined {
  return result.headers?.[name]?.[0]?.value;
}

range('a 206 of the original under a transform key becomes the whole variant (200, decoded 200x150 webp)', async (context) => {
  const result = (await context.handler(partialEvent('/prod/photo.jpg', 'w=200&f=webp', 'image/jpeg', context.original.length))) as CloudFrontResultResponse;
  assert.is(result.status, '200');
  const decoded = await decode(Buffer.from(result.body!, 'base64'));
  assert.equal([decoded.format, decoded.width, decoded.height], ['webp', 200, 150]);
  assert.is(headerOf(result, 'content-range'), undefined, "the original's content-range must not survive");
  assert.is(headerOf(result, 'content-type'), 'image/webp');
});

range('a 200 that carries content-range (any partial body) is treated the same', async (context) => {
  const result = (await context.handler(partialEvent('/prod/photo.jpg', 'w=100&f=png', 'image/jpeg', context.original.length, { status: '200' }))) as CloudFrontResultResponse;
  assert.is(result.status, '200');
  const decoded = await decode(Buffer.from(result.body!, 'base64'));
  assert.equal([decoded.format, decoded.width, decoded.height], ['png', 100, 75]);
});

range('a 206 under a transform key of a type the resizer passes through is a 416, not stored, never the slice', async (context) => {
  const result = (await context.handler(partialEvent('/prod/doc.pdf', 'w=100&f=webp', 'application/pdf', 19))) as CloudFrontResultResponse;
  assert.is(result.status, '416');
  assert.is(headerOf(result, 'cache-control'), 'no-store');
  assert.is(headerOf(result, 'x-resizer-error'), 'partial_origin');
  assert.match(result.body!, /served whole, never by Range/);
});

range('a 206 whose variant cannot fit in 1 MB is a 416, not the slice of the original', async (context) => {
  const result = (await context.handler(partialEvent('/prod/noise.png', 'w=1000&f=png', 'image/png', 3000000))) as CloudFrontResultResponse;
  assert.is(result.status, '416');
  assert.is(headerOf(result, 'cache-control'), 'no-store');
});

range('a 206 under a transform key whose original is gone from S3 is a 416, not the slice', async (context) => {
  const result = (await context.handler(partialEvent('/prod/gone.jpg', 'w=100&f=webp', 'image/jpeg', 5000))) as CloudFrontResultResponse;
  assert.is(result.status, '416');
});

range('a 206 for the bare original passes through untouched (a range of the original is the original\'s)', async (context) => {
  const event = partialEvent('/prod/photo.jpg', '', 'image/jpeg', context.original.length);
  const before = JSON.parse(JSON.stringify(event.Records[0].cf.response));
  const result = await context.handler(event);
  assert.equal(result, before);
});

range.run();
