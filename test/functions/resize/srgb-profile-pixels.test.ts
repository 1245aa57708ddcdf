// A source tagged with a plain sRGB profile is decoded without converting through it (the
// conversion changes no pixel and is the largest single cost of its miss); a source with any
// other profile is still converted. Through the handler over s3rver, with real sharp: each
// output's pixels against sharp's own default decode, which always applies the profile.
import type { CloudFrontResultResponse } from 'aws-lambda';
import sharp, { type Sharp } from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHandler } from '../../../functions/resize/index';
import { RESIZE_KERNEL } from '../../../functions/resize/operations';
import { resizerConfig } from '../../../functions/resize/runtime-config';
import { configWith } from '../../helpers/config';
import { originResponse } from '../../helpers/events';
import { libvipsProfile, maxChannelDifference, photoLike } from '../../helpers/images';
import { startS3, type LocalS3 } from '../../helpers/s3';

const BUCKET = 'srgb-profile-bucket';
interface Context { s3: LocalS3; sources: Record<string, Buffer>; handler: ReturnType<typeof createHandler> }
const tagged = suite<Context>('resize: sources tagged sRGB and Display P3', {} as never);
const consoleLog = console.log;

tagged.before(async (context) => {
  context.s3 = await startS3();
  await context.s3.createBucket(BUCKET);
  const photo = await photoLike(640, 480);
  context.sources = {
    'prod/srgb.jpg': await sharp(photo).withIccProfile('srgb').jpeg({ quality: 95 }).toBuffer(),
    'prod/p3.jpg': await sharp(photo).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer(),
    'prod/srgb.png': await sharp(photo).withIccProfile('srgb').png().toBuffer(),
    'prod/bad-profile.jpg': withIccSegment(await sharp(photo).jpeg().toBuffer(), await cutShortProfile()),
    'prod/cmyk-srgb-profile.jpg': withIccSegment(await sharp(photo).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer(), await libvipsProfile('srgb')),
  };
  for (const [key, bytes] of Object.entries(context.sources)) await context.s3.put(BUCKET, key, bytes, key.endsWith('.png') ? 'image/png' : 'image/jpeg');
  context.handler = createHandler(resizerConfig(configWith(), { ...context.s3.resizerS3, bucket: BUCKET }));
  console.log = () => undefined;
});

tagged.after(async (context) => {
  console.log = consoleLog;
  await context.s3?.stop();
});

/** libvips' sRGB profile with its red tone curve moved to the end and cut to its type field. */
async function cutShortProfile(): Promise<Buffer> {
  const icc = await libvipsProfile('srgb');
  const profile = Buffer.concat([icc, Buffer.from('para\0\0\0\0', 'latin1')]);
  profile.writeUInt32BE(profile.length, 0);
  for (let i = 0; i < profile.readUInt32BE(128); i++) {
    const entry = 132 + i * 12;
    if (profile.toString('latin1', entry, entry + 4) !== 'rTRC') continue;
    profile.writeUInt32BE(icc.length, entry + 4);
    profile.writeUInt32BE(8, entry + 8);
  }
  return profile;
}

/** A JPEG with `profile` as its ICC_PROFILE (APP2) segment, right after SOI. */
function withIccSegment(jpeg: Buffer, profile: Buffer): Buffer {
  const header = Buffer.alloc(18);
  header.writeUInt16BE(0xffe2, 0);
  header.writeUInt16BE(16 + profile.length, 2);
  header.write('ICC_PROFILE\0', 4, 'latin1');
  header[16] = 1; // chunk 1
  header[17] = 1; // of 1
  return Buffer.concat([jpeg.subarray(0, 2), header, profile, jpeg.subarray(2)]);
}

async function pixels(image: Sharp): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function meanDifference(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** Our lossless 300-wide variant, and sharp's default decode of the same source (profile applied), and sharp's with the profile ignored. */
async function variant(context: Context, key: string) {
  const result = (await context.handler(originResponse({ uri: `/${key}`, querystring: 'f=png&w=300', contentType: 'image/jpeg' }))) as CloudFrontResultResponse;
  assert.is(result.status, '200', key);
  const ours = await pixels(sharp(Buffer.from(result.body!, 'base64')));
  const source = context.sources[key];
  const applied = await pixels(sharp(source).resize(300, undefined, { kernel: RESIZE_KERNEL }));
  const ignored = await pixels(sharp(source, { ignoreIcc: true }).resize(300, undefined, { kernel: RESIZE_KERNEL }));
  assert.equal([ours.width, ours.height], [applied.width, applied.height], `${key}: size`);
  return { ours: ours.data, applied: applied.data, ignored: ignored.data };
}

tagged('a JPEG and a PNG tagged sRGB: the same pixels as converting through the profile', async (context) => {
  for (const key of ['prod/srgb.jpg', 'prod/srgb.png']) {
    const { ours, applied } = await variant(context, key);
    assert.ok(maxChannelDifference(ours, applied) <= 1, `${key}: largest channel difference ${maxChannelDifference(ours, applied)} from sharp's decode with the profile applied`);
  }
});

tagged('a JPEG tagged Display P3: converted to sRGB, as sharp does', async (context) => {
  const { ours, applied, ignored } = await variant(context, 'prod/p3.jpg');
  assert.ok(maxChannelDifference(ours, applied) <= 1, `largest channel difference ${maxChannelDifference(ours, applied)} from sharp's decode with the profile applied`);
  // What ignoring the profile would have given: visibly other colours.
  assert.ok(meanDifference(applied, ignored) > 2, `the P3 profile moves colours by ${meanDifference(applied, ignored).toFixed(2)} on average`);
  assert.ok(meanDifference(ours, ignored) > 2, `ours is ${meanDifference(ours, ignored).toFixed(2)} from the profile ignored`);
});

tagged('a CMYK JPEG carrying an sRGB profile: not decoded as untagged sRGB, the same pixels as sharp\'s own decode', async (context) => {
  const { space, icc } = await sharp(context.sources['prod/cmyk-srgb-profile.jpg']).metadata();
  assert.equal([space, !!icc], ['cmyk', true], 'the source is CMYK with a profile');
  const { ours, applied } = await variant(context, 'prod/cmyk-srgb-profile.jpg');
  assert.ok(maxChannelDifference(ours, applied) <= 1, `largest channel difference ${maxChannelDifference(ours, applied)} from sharp's decode`);
});

tagged('a profile cut short (a tone curve reaching past its end): a clear answer, never a 5xx', async (context) => {
  const { icc } = await sharp(context.sources['prod/bad-profile.jpg']).metadata();
  assert.ok(icc && icc.length > 400, 'the crafted profile is what sharp reads from the source');
  const result = (await context.handler(originResponse({ uri: '/prod/bad-profile.jpg', querystring: 'f=webp&w=300', contentType: 'image/jpeg' }))) as CloudFrontResultResponse;
  assert.ok(['200', '422'].includes(String(result.status)), `status ${result.status}: ${String(result.body).slice(0, 200)}`);
  if (result.status === '200') {
    // Before isPlainSrgbProfile caught its own RangeError, the miss failed and passed the original through.
    assert.ok(result.body, 'a variant, not the original passed through');
    const { info } = await sharp(Buffer.from(result.body!, 'base64')).raw().toBuffer({ resolveWithObject: true });
    assert.is(info.width, 300);
  }
});

tagged.run();
