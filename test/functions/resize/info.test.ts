// f=json, the info endpoint, through the local edge with the built bundles: the answer matches
// its JSON schema (test/fixtures/info/schema.json), states the source's facts and the size the
// other parameters produce, carries the variant's caching and CORS headers, and its ThumbHash
// decodes to the image's shape and colour.
import { Validator } from '@cfworker/json-schema';
import { statSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio, thumbHashToAverageRGBA } from 'thumbhash';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_CONFIG } from '../../../shared/config';
import { SAMPLE_BUCKET, startSampleEdge, type SampleEdge } from '../../helpers/edge';
import { fixture } from '../../helpers/fixtures';
import { RED } from '../../helpers/images';

const info = suite<{ sample: SampleEdge }>('f=json', {} as never);
const validator = new Validator(fixture('info/schema.json'), '2020-12');

// The resizer logs one JSON line per invocation.
const consoleLog = console.log;

info.before(async (context) => {
  console.log = () => undefined;
  const redBar = await sharp({ create: { width: 80, height: 40, channels: 4, background: { ...RED, alpha: 1 } } }).png().toBuffer();
  context.sample = await startSampleEdge({ files: { 'dev/red-bar.png': redBar } });
});

info.after(async ({ sample }) => {
  await sample?.close();
  console.log = consoleLog;
});

async function getInfo(sample: SampleEdge, pathAndQuery: string, headers: Record<string, string> = {}) {
  const response = await fetch(sample.url + pathAndQuery, { headers });
  const text = await response.text();
  assert.is(response.status, 200, `${pathAndQuery}: ${text}`);
  const body = JSON.parse(text);
  const result = validator.validate(body);
  assert.ok(result.valid, `${pathAndQuery} matches the schema: ${JSON.stringify(result.errors.slice(0, 3))}`);
  return { response, body };
}

function thumbhashBytes(base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

info('the photo: source facts, the output size of w=300, the variant\'s cache and CORS headers', async ({ sample }) => {
  const { response, body } = await getInfo(sample, '/dev/photo.jpg?w=300&f=json', { origin: 'https://www.example.com' });
  assert.is(response.headers.get('content-type'), 'application/json');
  assert.is(response.headers.get('cache-control'), DEFAULT_CONFIG.cacheControl);
  assert.is(response.headers.get('access-control-allow-origin'), '*');
  assert.is(response.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(response.headers.get('etag'), 'an ETag like every variant');
  assert.equal(body.source, { width: 1500, height: 1000, format: 'jpeg', bytes: statSync(path.join(SAMPLE_BUCKET, 'dev/photo.jpg')).size, hasAlpha: false, frames: 1 });
  assert.equal(body.output, { width: 300, height: 200 });
  assert.ok(Math.abs(thumbHashToApproximateAspectRatio(thumbhashBytes(body.thumbhash)) - 1.5) < 0.2, 'the ThumbHash has the variant\'s 3:2 shape');
  const again = await fetch(sample.url + '/dev/photo.jpg?q=50&f=json&w=300');
  await again.arrayBuffer();
  assert.is(again.headers.get('x-cache'), 'Hit from cloudfront', 'q folds: the same cache entry');
});

info('output is the size the other parameters give: fit, rot, rect, and no enlargement', async ({ sample }) => {
  for (const [query, width, height] of [
    ['w=200&h=200&fit=contain', 200, 200], ['w=200&h=200&fit=inside', 200, 133], ['w=160&rot=90', 160, 240],
    ['rect=0,0,300,150', 300, 150], ['w=3000', 1500, 1000],
  ] as const) {
    const { body } = await getInfo(sample, `/dev/photo.jpg?${query}&f=json`);
    assert.equal(body.output, { width, height }, query);
  }
});

info('a red bar with alpha: dominant colour, ThumbHash colour and shape; an animation counts its frames', async ({ sample }) => {
  const { body } = await getInfo(sample, '/dev/red-bar.png?w=40&f=json');
  assert.equal(body.source, { width: 80, height: 40, format: 'png', bytes: body.source.bytes, hasAlpha: true, frames: 1 });
  assert.equal(body.output, { width: 40, height: 20 });
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(body.dominantColor.slice(i, i + 2), 16));
  assert.ok(r > 200 && g < 40 && b < 40, `dominant colour ${body.dominantColor} is red`);
  const average = thumbHashToAverageRGBA(thumbhashBytes(body.thumbhash));
  assert.ok(average.r > 0.8 && average.g < 0.2 && average.b < 0.2 && average.a > 0.9, `ThumbHash average ${JSON.stringify(average)} is opaque red`);
  assert.ok(Math.abs(thumbHashToApproximateAspectRatio(thumbhashBytes(body.thumbhash)) - 2) < 0.3, '2:1');
  const gif = await getInfo(sample, '/dev/spinner.gif?f=json');
  assert.equal([gif.body.source.format, gif.body.source.frames, gif.body.output.width], ['gif', 12, 96]);
});

info('f=auto never answers JSON, whatever Accept says', async ({ sample }) => {
  const response = await fetch(sample.url + '/dev/photo.jpg?w=120', { headers: { accept: 'application/json' } });
  await response.arrayBuffer();
  assert.is(response.status, 200);
  assert.match(response.headers.get('content-type')!, /^image\//);
});

info.run();
