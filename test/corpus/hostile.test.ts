// The corpus's hostile files (sharp's own bombs and broken images), each with its exact answer.
// Runs only where ../shared/corpus sits beside the clone (npm run test:corpus).
import type { CloudFrontResultResponse } from 'aws-lambda';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHandler, SVG_HEADERS } from '../../functions/resize/index';
import { resizerConfig } from '../../functions/resize/runtime-config';
import { contentTypeOf } from '../../infra/local/s3-server';
import { configWith } from '../helpers/config';
import { originResponse } from '../helpers/events';
import { startS3, type LocalS3 } from '../helpers/s3';

const corpus = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus/images');
const BUCKET = 'corpus-hostile';

const ANSWERS: Array<[file: string, status: string, body: RegExp | null]> = [
  // Both are over sharp's own limit of 268,402,689 pixels: the header is still read.
  ['giant-image.jpg', '422', /^source must have at most 50000000 pixels \(maxInputPixels\), got 20000x14000 = 280000000\n$/],
  ['65536-uint32-limit.png', '422', /^source must have at most 50000000 pixels \(maxInputPixels\), got 65536x65536 = 4294967296\n$/],
  ['truncated.jpg', '422', /^source could not be converted to webp \(.+\)\n$/],
  ['truncated.png', '422', /^source could not be converted to webp \(.+\)\n$/],
  ['corrupt-header.jpg', '422', /^source must be a decodable JPEG, PNG, WebP, AVIF, GIF or TIFF image, got bytes sharp cannot read \(.+\)\n$/],
  ['check.svg', '200', null],
];

const present = ANSWERS.filter(([file]) => existsSync(path.join(corpus, file)));
const run = suite<{ s3: LocalS3; handler: ReturnType<typeof createHandler> }>('corpus: hostile files', {} as never);
const consoleLog = console.log;

run.before(async (context) => {
  context.s3 = await startS3();
  await context.s3.createBucket(BUCKET);
  for (const [file] of present) await context.s3.put(BUCKET, `prod/${file}`, readFileSync(path.join(corpus, file)), contentTypeOf(file));
  context.handler = createHandler(resizerConfig(configWith(), { ...context.s3.resizerS3, bucket: BUCKET }));
  console.log = () => {};
});

run.after(async (context) => {
  console.log = consoleLog;
  await context.s3?.stop();
});

if (present.length === 0) run('corpus present', () => console.error(`SKIPPED: no corpus at ${corpus}`));

for (const [file, status, body] of present) {
  run(`${file}: ${status}`, async (context) => {
    const result = (await context.handler(originResponse({ uri: `/prod/${file}`, querystring: 'w=100&f=webp', contentType: contentTypeOf(file) }))) as CloudFrontResultResponse;
    assert.is(result.status, status, String(result.body).slice(0, 200));
    if (body) assert.match(result.body!, body);
    else {
      assert.is(result.body, undefined, 'the SVG passes through unrasterized');
      for (const [name, value] of Object.entries(SVG_HEADERS)) assert.is(result.headers?.[name]?.[0]?.value, value, name);
    }
  });
}

run.run();
