// Luma SSIM of an encoded output against a lossless reference of the same geometry: both are
// decoded to 8-bit greyscale (Rec. 601 luma, sharp's greyscale) and compared in 8x8 windows
// with a stride of 4 (Wang et al. 2004's constants), which is what "bytes were not bought
// with visible loss" needs without an image-quality dependency.
import sharp, { type Sharp } from 'sharp';

const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;
const WINDOW = 8;
const STRIDE = 4;

export interface Luma {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  /** The two chroma planes (Rec. 601 Cb and Cr, full resolution), for chromaSsim. */
  readonly chroma: readonly [Buffer, Buffer];
}

/**
 * The first frame, flattened onto white, as luma (sharp's greyscale) and as Cb and Cr planes
 * computed from its sRGB pixels: 4:2:0 chroma subsampling and colour shifts show in the
 * chroma SSIM only.
 */
export async function luma(input: Buffer | Sharp): Promise<Luma> {
  const image = Buffer.isBuffer(input) ? sharp(input) : input;
  const flat = image.flatten({ background: '#ffffff' });
  const { data: rgb, info } = await flat.clone().toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { data } = await flat.greyscale().raw().toBuffer({ resolveWithObject: true });
  const pixels = info.width * info.height;
  const cb = Buffer.alloc(pixels);
  const cr = Buffer.alloc(pixels);
  for (let i = 0, j = 0; i < pixels; i++, j += info.channels) {
    const r = rgb[j], g = rgb[j + 1], b = rgb[j + 2];
    cb[i] = Math.max(0, Math.min(255, Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)));
    cr[i] = Math.max(0, Math.min(255, Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)));
  }
  return { data, width: info.width, height: info.height, chroma: [cb, cr] };
}

/** Mean SSIM of the Cb and Cr planes. */
export function chromaSsim(a: Luma, b: Luma): number {
  return (ssim({ ...a, data: a.chroma[0] }, { ...b, data: b.chroma[0] }) + ssim({ ...a, data: a.chroma[1] }, { ...b, data: b.chroma[1] })) / 2;
}

export function ssim(a: Luma, b: Luma): number {
  if (a.width !== b.width || a.height !== b.height) return NaN;
  const { width, height } = a;
  let total = 0;
  let windows = 0;
  for (let y = 0; y + WINDOW <= height; y += STRIDE) {
    for (let x = 0; x + WINDOW <= width; x += STRIDE) {
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let j = 0; j < WINDOW; j++) {
        let i = (y + j) * width + x;
        for (let k = 0; k < WINDOW; k++, i++) {
          const va = a.data[i];
          const vb = b.data[i];
          sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb;
        }
      }
      const n = WINDOW * WINDOW;
      const ma = sa / n;
      const mb = sb / n;
      const va = saa / n - ma * ma;
      const vb = sbb / n - mb * mb;
      const cov = sab / n - ma * mb;
      total += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
      windows++;
    }
  }
  return windows ? total / windows : NaN;
}
