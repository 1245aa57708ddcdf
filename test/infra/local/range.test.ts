// Range GETs through the local edge, in both normalizer builds, over a real s3rver with the
// built resizer: CloudFront forwards a viewer's Range to S3 on a miss and serves a Range from a
// whole cached object on a hit (Developer Guide, "How CloudFront processes partial requests for
// an object (range GETs)"), so a ranged first request for a variant must never get, or leave in
// the cache, bytes of the original. Variants are decoded; bare originals are compared as bytes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LambdaHandler } from '../../../infra/local/functions';
import type { ViewerRuntime } from '../../../infra/local/rules';
import { startSampleEdge } from '../../helpers/edge';
import { rawRequest } from '../../helpers/http';
import { decode } from '../../helpers/images';

const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/bucket');
const PHOTO = readFileSync(path.join(SAMPLES, 'dev/photo.jpg'));
const THUMBNAIL = readFileSync(path.join(SAMPLES, 'thumbnail.png'));
const RUNTIMES: ViewerRuntime[] = ['lambda-edge', 'cloudfront-function'];
const VARIANT = '/dev/photo.jpg?w=200&f=webp';

async function expectedHeight(width: number): Promise<number> {
  const meta = await sharp(PHOTO).metadata();
  return Math.round((meta.height! * width) / meta.width!);
}

for (const runtime of RUNTIMES) {
  test(`${runtime}: a ranged first request for a cold variant gets the whole variant (decoded webp 200 wide), never the original's bytes; a whole request then hits the whole variant`, async () => {
    const sample = await startSampleEdge({ viewerRuntime: runtime });
    try {
      const port = sample.edge.port;
      const first = await rawRequest(port, 'GET', VARIANT, [['Range', 'bytes=0-99']]);
      assert.is(first.status, 200, `first: ${first.status} ${first.body.subarray(0, 120).toString('latin1')}`);
      assert.is(first.headers['content-range'], undefined);
      assert.not.ok(first.body.equals(PHOTO.subarray(0, 100)), 'the first 100 bytes of the original');
      const decoded = await decode(first.body);
      assert.equal([decoded.format, decoded.width, decoded.height], ['webp', 200, await expectedHeight(200)]);

      const whole = await rawRequest(port, 'GET', VARIANT);
      assert.is(whole.status, 200);
      assert.match(whole.headers['x-cache'], /^Hit/);
      const again = await decode(whole.body);
      assert.equal([again.format, again.width, again.height], ['webp', 200, decoded.height]);
      assert.is(whole.body.length, first.body.length, 'the cached entry is the whole variant the first request got');
    } finally {
      await sample.close();
    }
  });

  test(`${runtime}: a ranged request for a cached variant is a part of the variant (206 from the cache) or the whole variant, never the original's`, async () => {
    const sample = await startSampleEdge({ viewerRuntime: runtime });
    try {
      const port = sample.edge.port;
      const whole = await rawRequest(port, 'GET', VARIANT);
      assert.is(whole.status, 200);
      const part = await rawRequest(port, 'GET', VARIANT, [['Range', 'bytes=10-49']]);
      assert.match(part.headers['x-cache'], /^Hit/);
      if (part.status === 206) {
        assert.is(part.headers['content-range'], `bytes 10-49/${whole.body.length}`);
        assert.ok(part.body.equals(whole.body.subarray(10, 50)), 'bytes 10-49 of the cached variant');
      } else {
        // The viewer function removed the Range (transform requests are served whole).
        assert.is(part.status, 200);
        assert.ok(part.body.equals(whole.body));
      }
    } finally {
      await sample.close();
    }
  });
}

test('a viewer function that leaves Range on a transform request (an older pinned normalizer: a stand-in handler) still gets the whole variant: the resizer turns S3\'s 206 into the variant', async () => {
  const passThrough: LambdaHandler = async (event) => (event as { Records: Array<{ cf: { request: unknown } }> }).Records[0].cf.request;
  const sample = await startSampleEdge({ viewerRuntime: 'lambda-edge', functions: { viewerRequest: passThrough } });
  try {
    const port = sample.edge.port;
    const first = await rawRequest(port, 'GET', VARIANT, [['Range', 'bytes=0-99']]);
    assert.is(first.status, 200);
    const decoded = await decode(first.body);
    assert.equal([decoded.format, decoded.width], ['webp', 200]);
    const part = await rawRequest(port, 'GET', VARIANT, [['Range', 'bytes=0-99']]);
    assert.is(part.status, 206, 'a hit on the whole variant serves the Range from it');
    assert.ok(part.body.equals(first.body.subarray(0, 100)));
    const whole = await rawRequest(port, 'GET', VARIANT);
    assert.ok(whole.body.equals(first.body));
  } finally {
    await sample.close();
  }
});

test('an original on the default behaviour: a ranged miss is S3\'s part (206), cached only for that Range; a whole request fetches the whole; a ranged hit is cut from it', async () => {
  const sample = await startSampleEdge({ viewerRuntime: 'lambda-edge' });
  try {
    const port = sample.edge.port;
    const part = await rawRequest(port, 'GET', '/thumbnail.png', [['Range', 'bytes=0-15']]);
    assert.is(part.status, 206);
    assert.is(part.headers['content-range'], `bytes 0-15/${THUMBNAIL.length}`);
    assert.ok(part.body.equals(THUMBNAIL.subarray(0, 16)));
    const partAgain = await rawRequest(port, 'GET', '/thumbnail.png', [['Range', 'bytes=0-15']]);
    assert.match(partAgain.headers['x-cache'], /^Hit/);
    assert.ok(partAgain.body.equals(THUMBNAIL.subarray(0, 16)));
    const whole = await rawRequest(port, 'GET', '/thumbnail.png');
    assert.is(whole.status, 200);
    assert.match(whole.headers['x-cache'], /^Miss/, 'a cached part never answers a whole request');
    assert.ok(whole.body.equals(THUMBNAIL));
    const tail = await rawRequest(port, 'GET', '/thumbnail.png', [['Range', 'bytes=-10']]);
    assert.is(tail.status, 206);
    assert.match(tail.headers['x-cache'], /^Hit/);
    assert.ok(tail.body.equals(THUMBNAIL.subarray(THUMBNAIL.length - 10)));
    const beyond = await rawRequest(port, 'GET', '/thumbnail.png', [['Range', `bytes=${THUMBNAIL.length}-`]]);
    assert.is(beyond.status, 416);
    assert.is(beyond.headers['content-range'], `bytes */${THUMBNAIL.length}`);
  } finally {
    await sample.close();
  }
});

test.run();
