// The watermark overlay's cache (functions/resize/watermark.ts) against a real s3rver through
// the one S3 reader: read once per container and version, revalidated with If-None-Match, and a
// missing or undecodable overlay a 422 naming its key. Placement is pure arithmetic.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { forgetOverlays, loadOverlay, OVERLAY_RECHECK_MS, placement } from '../../../functions/resize/watermark';
import { isResizerError } from '../../../shared/errors';
import { flat, RED, BLUE } from '../../helpers/images';
import { startS3, type LocalS3 } from '../../helpers/s3';

const BUCKET = 'overlays';
const watermark = suite<{ s3: LocalS3 }>('watermark overlay', {} as never);

watermark.before(async (context) => {
  context.s3 = await startS3();
  await context.s3.createBucket(BUCKET);
});
watermark.after(async (context) => { await context.s3.stop(); });
watermark.before.each(() => forgetOverlays());

const entry = (key: string) => ({ key, gravity: 'bottom-right' as const, width: 0.2, opacity: 1, margin: 0 });

watermark('read once per container and version: the same overlay until it changes, then the new one within the recheck interval', async ({ s3 }) => {
  const bucket = { bucket: BUCKET, region: 'us-east-1', ...s3.resizerS3 };
  await s3.put(BUCKET, 'logo.png', await flat(40, 20, RED), 'image/png');
  let clock = 1_000_000;
  const now = () => clock;
  const first = await loadOverlay('logo', entry('logo.png'), bucket, undefined, now);
  assert.equal([first.width, first.height], [40, 20]);
  assert.is(await loadOverlay('logo', entry('logo.png'), bucket, undefined, now), first, 'within the interval: no S3 request, the same decoded overlay');
  clock += OVERLAY_RECHECK_MS;
  assert.is(await loadOverlay('logo', entry('logo.png'), bucket, undefined, now), first, 'unchanged (304): the same decoded overlay');
  await s3.put(BUCKET, 'logo.png', await flat(30, 30, BLUE), 'image/png');
  clock += 1000;
  assert.is(await loadOverlay('logo', entry('logo.png'), bucket, undefined, now), first, 'a new version is not looked for before the interval passes');
  clock += OVERLAY_RECHECK_MS;
  const second = await loadOverlay('logo', entry('logo.png'), bucket, undefined, now);
  assert.equal([second.width, second.height], [30, 30], 'a new version (ETag) is read again');
});

watermark('a missing or undecodable overlay is a 422 naming the entry and its key', async ({ s3 }) => {
  const bucket = { bucket: BUCKET, region: 'us-east-1', ...s3.resizerS3 };
  await s3.put(BUCKET, 'broken.png', 'not an image', 'image/png');
  for (const [key, why] of [['absent.png', /S3 does not have \(404\)/], ['broken.png', /is not a decodable image/]] as const) {
    try {
      await loadOverlay('logo', entry(key), bucket);
      assert.unreachable(key);
    } catch (error) {
      assert.ok(isResizerError(error), String(error));
      assert.is(error.status, 422);
      assert.is(error.code, 'bad_watermark');
      assert.match(error.message, new RegExp(`^wm=logo needs its overlay ${key.replace('.', '\\.')} \\(config watermarks\\.logo\\.key\\) in the originals bucket, which `));
      assert.match(error.message, why);
    }
  }
});

watermark('placement: width fraction, margin fraction of the width, gravity, never past the frame', () => {
  const overlay = { width: 100, height: 50 };
  const at = (gravity: string, width = 0.25, margin = 0.05) => placement({ key: 'k', gravity: gravity as never, width, opacity: 1, margin }, overlay, 400, 300);
  assert.equal(at('bottom-right'), { width: 100, height: 50, left: 280, top: 230 });
  assert.equal(at('top-left'), { width: 100, height: 50, left: 20, top: 20 });
  assert.equal(at('center'), { width: 100, height: 50, left: 150, top: 125 });
  assert.equal(at('top'), { width: 100, height: 50, left: 150, top: 20 });
  assert.equal(at('right'), { width: 100, height: 50, left: 280, top: 125 });
  // As wide as the frame asks, but no taller than fits inside the margins: 400 wide would be 200 high.
  assert.equal(placement({ key: 'k', gravity: 'center', width: 1, opacity: 1, margin: 0 }, overlay, 400, 100), { width: 200, height: 100, left: 100, top: 0 });
  // A tiny output still gets a 1-pixel mark inside it.
  const tiny = placement({ key: 'k', gravity: 'bottom-right', width: 0.01, opacity: 1, margin: 0.5 }, overlay, 2, 2);
  assert.ok(tiny.width >= 1 && tiny.left + tiny.width <= 2 && tiny.top + tiny.height <= 2, JSON.stringify(tiny));
});

watermark.run();
