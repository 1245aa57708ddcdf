// Every image of ../shared/corpus (sharp's own test images: EXIF orientations, CMYK, 16-bit,
// alpha, animation, bombs, broken files) through every output format. Not committed images:
// this suite runs only where the corpus sits beside the clone (npm run test:corpus).
import type { CloudFrontResultResponse } from 'aws-lambda';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHandler } from '../../functions/resize/index';
import { contentTypeOf } from '../../infra/local/s3-server';
import { resizerConfig } from '../../functions/resize/runtime-config';
import { canonicalQuery } from '../../shared/canonical';
import { DEFAULT_CONFIG } from '../../shared/config';
import { configWith } from '../helpers/config';
import { originResponse } from '../helpers/events';
import sharp from 'sharp';
import { RESIZE_KERNEL } from '../../functions/resize/operations';
import { decodesAsUntaggedSrgb } from '../../functions/resize/srgb-profile';
import { decode, maxChannelDifference } from '../helpers/images';
import { startS3, type LocalS3 } from '../helpers/s3';

const corpus = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus/images');
const BUCKET = 'originals-bucket';
const WIDTH = 300;
const FORMATS = ['jpeg', 'png', 'webp', 'avif', 'gif', 'source'];


/** What the corpus's known-bad files must get: 422, never a variant and never a 5xx. */
const REFUSED = new Set(['giant-image.jpg', '65536-uint32-limit.png', 'truncated.jpg', 'truncated.png', 'corrupt-header.jpg']);
/** Displayed landscape (600x450) whatever their EXIF orientation. */
const LANDSCAPES = /^Landscape_[1-8]\.jpg$/;

const files = existsSync(corpus) ? readdirSync(corpus).filter((f) => contentTypeOf(f).startsWith('image/')).sort() : [];
const run = suite<{ s3: LocalS3; handler: ReturnType<typeof createHandler> }>('corpus', {} as never);

// The resizer logs one JSON line per invocation; the tests read or silence them.
const consoleLog = console.log;

run.before(async (context) => {
  context.s3 = await startS3();
  await context.s3.createBucket(BUCKET);
  for (const file of files) {
    await context.s3.put(BUCKET, `prod/${file}`, readFileSync(path.join(corpus, file)), contentTypeOf(file));
  }
  context.handler = createHandler(resizerConfig(configWith(), context.s3.resizerS3));
  console.log = () => {};
});

run.after(async (context) => {
  console.log = consoleLog;
  await context.s3?.stop();
});

if (files.length === 0) {
  run('corpus present', () => {
    console.error(`SKIPPED: no corpus at ${corpus}`);
  });
}

/**
 * A source whose embedded profile is plain sRGB is decoded without converting through it
 * (functions/resize/srgb-profile.ts): its lossless variant must have the pixels of sharp's own
 * decode, which applies the profile.
 */
async function assertSameAsProfileApplied(file: string, variant: Buffer, label: string): Promise<void> {
  const source = readFileSync(path.join(corpus, file));
  const header = await sharp(source).metadata();
  if (!header.icc || !decodesAsUntaggedSrgb(header) || (header.pages || 1) > 1) return;
  const [ours, applied] = await Promise.all([
    sharp(variant).removeAlpha().raw().toBuffer(),
    sharp(source, { autoOrient: true }).resize(WIDTH, undefined, { withoutEnlargement: true, kernel: RESIZE_KERNEL }).removeAlpha().raw().toBuffer(),
  ]);
  assert.is(ours.length, applied.length, `${label}: pixels`);
  const largest = maxChannelDifference(ours, applied);
  assert.ok(largest <= 1, `${label}: plain sRGB profile, largest channel difference ${largest} from sharp's decode with the profile applied`);
}

for (const file of files) {
  run(file, async (context) => {
    for (const format of FORMATS) {
      const query = canonicalQuery(`w=${WIDTH}&f=${format}`, undefined, DEFAULT_CONFIG);
      const contentType = contentTypeOf(file);
      const result = (await context.handler(originResponse({ uri: `/prod/${encodeURIComponent(file)}`, querystring: query, contentType }))) as CloudFrontResultResponse;
      const label = `${file} ?${query}`;
      const status = Number(result.status);
      assert.ok(status < 500, `${label}: ${status}`);
      if (contentType === 'image/svg+xml') {
        assert.is(result.body, undefined, `${label}: SVG passes through`);
        continue;
      }
      if (REFUSED.has(file)) {
        assert.is(status, 422, `${label}: ${String(result.body).slice(0, 120)}`);
        continue;
      }
      assert.is(status, 200, `${label}: ${String(result.body).slice(0, 120)}`);
      if (result.body === undefined) {
        assert.is(result.headers?.['cache-control'], undefined, `${label}: a pass-through must be the too-large fallback, not an error`);
        continue;
      }
      const body = Buffer.from(result.body, 'base64');
      const decoded = await decode(body);
      // "Never larger for nothing": where the variant would only grow, a source that already has
      // its pixels in a format every browser decodes is served as it is, byte for byte.
      const servedOriginal = body.equals(readFileSync(path.join(corpus, file)));
      if (format !== 'source' && !servedOriginal) assert.is(decoded.format, format, label);
      assert.ok(decoded.width <= WIDTH, `${label}: width ${decoded.width}`);
      if (LANDSCAPES.test(file)) assert.equal([decoded.width, decoded.height], [300, 225], `${label}: oriented`);
      if (file === 'Portrait_6.jpg') assert.equal([decoded.width, decoded.height], [300, 400], `${label}: oriented`);
      if (file.startsWith('rotating-squares') && (format === 'gif' || format === 'webp')) assert.ok(decoded.pages > 1, `${label}: animation kept`);
      if (format === 'png' && !servedOriginal) await assertSameAsProfileApplied(file, body, label);
    }
  });
}

run.run();
