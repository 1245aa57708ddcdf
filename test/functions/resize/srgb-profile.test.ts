// Which embedded ICC profiles the resizer treats as plain sRGB (functions/resize/srgb-profile.ts):
// the profiles libvips ships, read from real images sharp tagged, and the same sRGB profile with
// one thing changed at a time, each of which must send the source through the conversion again.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodesAsUntaggedSrgb, isPlainSrgbProfile } from '../../../functions/resize/srgb-profile';
import { libvipsProfile } from '../../helpers/images';

const profiles = suite('resize: plain sRGB profiles');

/** The offset of a tag's data, and of its entry in the tag table. */
function tag(profile: Buffer, signature: string): { data: number; entry: number } {
  const count = profile.readUInt32BE(128);
  for (let i = 0; i < count; i++) {
    const entry = 132 + i * 12;
    if (profile.toString('latin1', entry, entry + 4) === signature) return { data: profile.readUInt32BE(entry + 4), entry };
  }
  throw new Error(`no ${signature} tag`);
}

profiles('the sRGB profile libvips embeds is plain sRGB; its Display P3 and CMYK profiles are not', async () => {
  assert.is(isPlainSrgbProfile(await libvipsProfile('srgb')), true);
  assert.is(isPlainSrgbProfile(await libvipsProfile('p3')), false);
  assert.is(isPlainSrgbProfile(await libvipsProfile('cmyk')), false);
});

profiles('sRGB with one change is not plain sRGB: another red primary, a 2.2 gamma curve, a lookup table, another colour space', async () => {
  const srgb = await libvipsProfile('srgb');
  const primary = Buffer.from(srgb);
  primary.writeInt32BE(Math.round(0.45 * 65536), tag(primary, 'rXYZ').data + 8);
  assert.is(isPlainSrgbProfile(primary), false, 'red primary 0.45 instead of 0.4361');
  const gamma = Buffer.from(srgb);
  const trc = tag(gamma, 'gTRC').data;
  gamma.writeUInt16BE(0, trc + 8); // parametric type 0: Y = X^g
  gamma.writeInt32BE(Math.round(2.2 * 65536), trc + 12);
  assert.is(isPlainSrgbProfile(gamma), false, 'green curve a plain 2.2 gamma');
  const lut = Buffer.from(srgb);
  lut.write('A2B0', tag(lut, 'cprt').entry, 'latin1');
  assert.is(isPlainSrgbProfile(lut), false, 'a tag lcms would convert through instead of the matrix');
  const grey = Buffer.from(srgb);
  grey.write('GRAY', 16, 'latin1');
  assert.is(isPlainSrgbProfile(grey), false, 'a grey profile');
});

profiles('bytes that are not a whole profile are not plain sRGB, and never throw', async () => {
  const srgb = await libvipsProfile('srgb');
  const pointsPastEnd = Buffer.from(srgb);
  pointsPastEnd.writeUInt32BE(srgb.length + 100, tag(pointsPastEnd, 'rTRC').entry + 4);
  const tooManyTags = Buffer.from(srgb);
  tooManyTags.writeUInt32BE(0xffffffff, 128);
  // A parametric curve of 8 bytes at the very end: its type field is the last thing in the profile.
  const curveCutShort = Buffer.concat([srgb, Buffer.from('para\0\0\0\0', 'latin1')]);
  curveCutShort.writeUInt32BE(srgb.length, tag(curveCutShort, 'rTRC').entry + 4);
  curveCutShort.writeUInt32BE(8, tag(curveCutShort, 'rTRC').entry + 8);
  for (const [label, bytes] of [
    ['empty', Buffer.alloc(0)], ['the header only', srgb.subarray(0, 128)], ['cut in its tag data', srgb.subarray(0, 300)],
    ['a tag pointing past the end', pointsPastEnd], ['a tag count of 2^32-1', tooManyTags], ['zeros', Buffer.alloc(600)],
    ['a tone curve cut short at the end', curveCutShort],
  ] as const) {
    assert.is(isPlainSrgbProfile(bytes), false, label);
  }
});

profiles('decoded without the profile: no profile, or RGB pixels with a plain sRGB one; never CMYK or grey pixels, never another profile', async () => {
  const srgb = await libvipsProfile('srgb');
  assert.is(decodesAsUntaggedSrgb({ space: 'srgb' }), true, 'no profile');
  assert.is(decodesAsUntaggedSrgb({ space: 'srgb', icc: srgb }), true, 'RGB, plain sRGB');
  assert.is(decodesAsUntaggedSrgb({ space: 'cmyk', icc: srgb }), false, 'CMYK pixels, sRGB profile');
  assert.is(decodesAsUntaggedSrgb({ space: 'b-w', icc: srgb }), false, 'grey pixels, sRGB profile');
  assert.is(decodesAsUntaggedSrgb({ space: 'srgb', icc: await libvipsProfile('p3') }), false, 'RGB, Display P3');
});

profiles.run();
