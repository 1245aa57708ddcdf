// Test images, generated with sharp so nothing unlicensed is committed.
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

type Rgb = { r: number; g: number; b: number };
export const RED: Rgb = { r: 255, g: 0, b: 0 };
export const GREEN: Rgb = { r: 0, g: 255, b: 0 };
export const BLUE: Rgb = { r: 0, g: 0, b: 255 };

/** A smooth gradient photo-like image (compresses like a photo, not like flat colour). */
export async function gradient(width: number, height: number, format: 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif' = 'jpeg'): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = Math.round((255 * x) / Math.max(1, width - 1));
      pixels[i + 1] = Math.round((255 * y) / Math.max(1, height - 1));
      pixels[i + 2] = 128;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

/** A gradient with film grain: compresses about like a camera photo (a few bits per pixel). */
export async function photoLike(width: number, height: number): Promise<Buffer> {
  const grain = randomBytes(width * height * 3);
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const base = [(255 * x) / width, (255 * y) / height, 128];
      for (let c = 0; c < 3; c++) pixels[i + c] = Math.max(0, Math.min(255, Math.round(base[c] + (grain[i + c] - 128) / 6)));
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** Incompressible noise: the worst case for the 1 MB response limit. */
export async function noise(width: number, height: number, format: 'jpeg' | 'png'): Promise<Buffer> {
  const pixels = randomBytes(width * height * 3);
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  return format === 'jpeg' ? image.jpeg({ quality: 100 }).toBuffer() : image.png({ compressionLevel: 1 }).toBuffer();
}

/**
 * A landscape JPEG stored sideways: the stored pixels are `width`x`height` with a red top-left
 * quarter and EXIF orientation 6 (rotate 90° clockwise to display). Displayed, it is
 * `height`x`width` with the red quarter at the top right.
 */
export async function sidewaysJpeg(width = 80, height = 60): Promise<Buffer> {
  const base = sharp({ create: { width, height, channels: 3, background: BLUE } });
  const corner = await sharp({ create: { width: width / 2, height: height / 2, channels: 3, background: RED } }).png().toBuffer();
  const flat = await base.composite([{ input: corner, left: 0, top: 0 }]).jpeg().toBuffer();
  return sharp(flat).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
}

/** An animated image of `frames` solid frames. */
export async function animated(width: number, height: number, frames: number, format: 'gif' | 'webp' = 'gif'): Promise<Buffer> {
  const colours = [RED, GREEN, BLUE];
  const images = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp({ create: { width, height, channels: 4, background: { ...colours[i % 3], alpha: 1 } } }).png().toBuffer()),
  );
  const joined = sharp(images, { join: { animated: true } });
  return format === 'gif'
    ? joined.gif({ delay: Array(frames).fill(100), loop: 0 }).toBuffer()
    : joined.webp({ delay: Array(frames).fill(100), loop: 0 }).toBuffer();
}

/** A PNG with a transparent background and an opaque centre. */
export async function transparentPng(width: number, height: number): Promise<Buffer> {
  const centre = await sharp({ create: { width: width / 2, height: height / 2, channels: 4, background: { ...GREEN, alpha: 1 } } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: centre, left: width / 4, top: height / 4 }])
    .png()
    .toBuffer();
}

export interface Decoded {
  format: string;
  width: number;
  /** Height of one frame. */
  height: number;
  pages: number;
  hasAlpha: boolean;
  orientation?: number;
}

export async function decode(bytes: Buffer): Promise<Decoded> {
  const meta = await sharp(bytes).metadata();
  const pages = meta.pages || 1;
  return {
    format: meta.format === 'heif' ? (meta.compression === 'av1' ? 'avif' : 'heif') : meta.format!,
    width: meta.width!,
    height: meta.pageHeight && pages > 1 ? meta.pageHeight : meta.height!,
    pages,
    hasAlpha: !!meta.hasAlpha,
    orientation: meta.orientation,
  };
}

/** Average colour of a region of the decoded (already oriented) pixels. */
export async function colourAt(bytes: Buffer, left: number, top: number, width: number, height: number): Promise<Rgb> {
  const { data, info } = await sharp(bytes).extract({ left, top, width, height }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const sum = { r: 0, g: 0, b: 0 };
  for (let i = 0; i < data.length; i += info.channels) {
    sum.r += data[i]; sum.g += data[i + 1]; sum.b += data[i + 2];
  }
  const n = data.length / info.channels;
  return { r: Math.round(sum.r / n), g: Math.round(sum.g / n), b: Math.round(sum.b / n) };
}

export function isRed(c: Rgb): boolean {
  return c.r > 180 && c.g < 80 && c.b < 80;
}

export const WHITE: Rgb = { r: 255, g: 255, b: 255 };

/** Four solid quadrants, asymmetric under every rotation and mirror: red, green / blue, white. */
export async function quadrants(width: number, height: number): Promise<Buffer> {
  const quarter = async (background: Rgb) => sharp({ create: { width: width / 2, height: height / 2, channels: 3, background } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: WHITE } })
    .composite([
      { input: await quarter(RED), left: 0, top: 0 },
      { input: await quarter(GREEN), left: width / 2, top: 0 },
      { input: await quarter(BLUE), left: 0, top: height / 2 },
    ])
    .png()
    .toBuffer();
}

/** The colour name of a region's average, for pixel assertions: red, green, blue, white or other. */
export async function colourNameAt(bytes: Buffer, left: number, top: number, width = 4, height = 4): Promise<string> {
  const c = await colourAt(bytes, left, top, width, height);
  const hi = (v: number) => v > 200;
  const lo = (v: number) => v < 60;
  if (hi(c.r) && lo(c.g) && lo(c.b)) return 'red';
  if (lo(c.r) && hi(c.g) && lo(c.b)) return 'green';
  if (lo(c.r) && lo(c.g) && hi(c.b)) return 'blue';
  if (hi(c.r) && hi(c.g) && hi(c.b)) return 'white';
  return `other ${JSON.stringify(c)}`;
}

/** The four corners' colour names, clockwise from top left. */
export async function corners(bytes: Buffer): Promise<string[]> {
  const { width, height } = await decode(bytes);
  return Promise.all([[1, 1], [width - 5, 1], [width - 5, height - 5], [1, height - 5]].map(([x, y]) => colourNameAt(bytes, x, y)));
}

/** Mean absolute difference between horizontal neighbours of the luminance: high-frequency energy. */
export async function edgeEnergy(bytes: Buffer): Promise<number> {
  const { data, info } = await sharp(bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
  let sum = 0;
  for (let y = 0; y < info.height; y++) {
    for (let x = 1; x < info.width; x++) sum += Math.abs(data[(y * info.width + x) * info.channels] - data[(y * info.width + x - 1) * info.channels]);
  }
  return sum / (info.height * (info.width - 1));
}

/** Largest difference between the r, g and b of any pixel (0 for a grey image). */
export async function maxChannelSpread(bytes: Buffer): Promise<number> {
  const { data, info } = await sharp(bytes).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels < 3) return 0;
  let spread = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    spread = Math.max(spread, Math.abs(data[i] - data[i + 1]), Math.abs(data[i + 1] - data[i + 2]), Math.abs(data[i] - data[i + 2]));
  }
  return spread;
}

/** An ICC profile libvips ships, as sharp embeds it in an image (read back from that image). */
export async function libvipsProfile(name: 'srgb' | 'p3' | 'cmyk'): Promise<Buffer> {
  const tagged = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).withIccProfile(name).jpeg().toBuffer();
  const { icc } = await sharp(tagged).metadata();
  if (!icc) throw new Error(`sharp embedded no ${name} profile`);
  return icc;
}

/** Largest absolute difference between two equally long decoded pixel buffers, channel by channel. */
export function maxChannelDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`pixel buffers of ${a.length} and ${b.length} bytes`);
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
  return largest;
}

/** An animated WebP of `frames` frames of Gaussian noise (the worst case for every encoder). */
export async function noiseAnimation(width: number, height: number, frames: number): Promise<Buffer> {
  return sharp({ create: { width, height: height * frames, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 60 }, pageHeight: height } } as never).webp({ quality: 80, effort: 0, loop: 0 }).toBuffer();
}

/** A `tile`-px noise tile repeated over `width`x`height`: few bytes per pixel as PNG, noise again once resized. */
export async function tiledNoise(width: number, height: number, tile = 64): Promise<Buffer> {
  const piece = await noise(tile, tile, 'png');
  return sharp({ create: { width, height, channels: 3, background: '#000' } }).composite([{ input: piece, tile: true }]).png().toBuffer();
}

/** A flat colour image. */
export async function flat(width: number, height: number, colour: Rgb, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).toFormat(format).toBuffer();
}

/** A `width`x`height` box of `inner` with a uniform border of `border` of the given widths around it. */
export async function bordered(width: number, height: number, inner: Rgb, border: Rgb, sides: { top: number; right: number; bottom: number; left: number }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: inner } })
    .extend({ ...sides, background: border }).png().toBuffer();
}

/** Left half one grey level, right half another. */
export async function twoTone(width: number, height: number, left: number, right: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.fill(x < width / 2 ? left : right, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/**
 * An Ultra HDR JPEG (ISO 21496-1 gain map), generated: libvips (sharp 0.35) writes a gain map
 * when it saves a linear-light scRGB image whose highlights go above SDR white, as the right
 * half of this one does (four times SDR white).
 */
export async function ultraHdrJpeg(width: number, height: number): Promise<Buffer> {
  const linear = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const v = i % width < width / 2 ? 0.4 : 4;
    linear[i * 3] = v; linear[i * 3 + 1] = v * 0.8; linear[i * 3 + 2] = v * 0.6;
  }
  return sharp(Buffer.from(linear.buffer), { raw: { width, height, channels: 3 } }).toColourspace('scrgb').jpeg().toBuffer();
}

/** sRGB (0-255) to CIE L*a*b* (D65), for measuring lightness and chroma. */
export function lab({ r, g, b }: Rgb): { l: number; a: number; b: number; c: number } {
  const lin = (v: number) => { const s = v / 255; return s <= 0.04045 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4); };
  const [R, G, B] = [lin(r), lin(g), lin(b)];
  const x = (0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047;
  const y = 0.2126 * R + 0.7152 * G + 0.0722 * B;
  const z = (0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const L = 116 * f(y) - 16;
  const A = 500 * (f(x) - f(y));
  const Bb = 200 * (f(y) - f(z));
  return { l: L, a: A, b: Bb, c: Math.hypot(A, Bb) };
}

/** The bounding box of the pixels (one frame) that differ from `background` by more than `tolerance` in any channel. */
export async function boundingBox(bytes: Buffer, background: Rgb, tolerance = 24, page = 0): Promise<{ left: number; top: number; width: number; height: number } | null> {
  const { data, info } = await sharp(bytes, { page }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  let left = Infinity, top = Infinity, right = -1, bottom = -1;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const i = (y * info.width + x) * info.channels;
      if (Math.abs(data[i] - background.r) > tolerance || Math.abs(data[i + 1] - background.g) > tolerance || Math.abs(data[i + 2] - background.b) > tolerance) {
        left = Math.min(left, x); top = Math.min(top, y); right = Math.max(right, x); bottom = Math.max(bottom, y);
      }
    }
  }
  return right < 0 ? null : { left, top, width: right - left + 1, height: bottom - top + 1 };
}
