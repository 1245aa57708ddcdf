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
}

/** The first frame, flattened onto white, as luma. */
export async function luma(input: Buffer | Sharp): Promise<Luma> {
  const image = Buffer.isBuffer(input) ? sharp(input) : input;
  const { data, info } = await image.flatten({ background: '#ffffff' }).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
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
