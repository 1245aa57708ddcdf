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
