// npx tsx scripts/make-examples.ts: writes the sample bucket examples/bucket, which `npm start`
// seeds into its S3-compatible server. Every file is drawn here (SVG shapes rendered by sharp,
// a PDF written by hand), so the repository ships nothing it has no licence for. No text is
// rendered into images: the output must not depend on the fonts of the machine that runs this.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bucket = path.join(root, 'examples/bucket');

/** Sizes the demo page and the tests rely on. */
export const SAMPLES = {
  thumbnail: { width: 800, height: 800 },
  photo: { key: 'dev/photo.jpg', width: 1500, height: 1000 },
  korean: { key: 'dev/서울 야경.jpg', width: 1200, height: 800 },
  spinner: { key: 'dev/spinner.gif', width: 96, height: 96, frames: 12 },
  pdf: { key: 'dev/guide.pdf' },
} as const;

/** A small deterministic generator, so the same script always draws the same pictures. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

function svg(width: number, height: number, body: string): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body}</svg>`);
}

/** Fine grain over flat shapes, so the JPEGs compress like photographs rather than like drawings. */
async function grain(width: number, height: number, seed: number, strength: number): Promise<Buffer> {
  const next = random(seed);
  const pixels = Buffer.alloc(width * height * 4);
  for (let i = 0; i < pixels.length; i += 4) {
    const v = Math.round(next() * 255);
    pixels[i] = v; pixels[i + 1] = v; pixels[i + 2] = v; pixels[i + 3] = strength;
  }
  return sharp(pixels, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

/** Renders a scene and grains it into a JPEG that compresses like a photograph. */
async function photographic(width: number, height: number, body: string, seed: number, quality: number): Promise<Buffer> {
  return sharp(svg(width, height, body))
    .composite([{ input: await grain(width, height, seed, 20), blend: 'overlay' }])
    .flatten({ background: '#000000' })
    .jpeg({ quality, mozjpeg: true })
    .toBuffer();
}

/** 8x8 squares (hue across, lightness down) and a ring: crops, fits and anchors are easy to see. */
async function thumbnail(): Promise<Buffer> {
  const { width, height } = SAMPLES.thumbnail;
  const cell = width / 8;
  let squares = '';
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      squares += `<rect x="${x * cell}" y="${y * cell}" width="${cell}" height="${cell}" fill="hsl(${x * 45}, 70%, ${30 + y * 6}%)"/>`;
    }
  }
  const ring = `<circle cx="400" cy="400" r="230" fill="none" stroke="#ffffff" stroke-width="48"/><circle cx="400" cy="400" r="90" fill="#ffffff"/>`;
  return sharp(svg(width, height, squares + ring)).png({ compressionLevel: 9, palette: true }).toBuffer();
}

/** A mountain lake at sunset. */
async function photo(): Promise<Buffer> {
  const { width, height } = SAMPLES.photo;
  const next = random(7);
  const ridge = (base: number, roughness: number, colour: string) => {
    let points = `0,${height} `;
    for (let x = 0; x <= width; x += 50) points += `${x},${Math.round(base - next() * roughness)} `;
    return `<polygon points="${points}${width},${height}" fill="${colour}"/>`;
  };
  const body = `
    <defs>
      <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
        <stop offset="0" stop-color="#1d3b6e"/><stop offset="0.55" stop-color="#f08a4b"/><stop offset="1" stop-color="#fbd38d"/>
      </linearGradient>
      <linearGradient id="lake" x1="0" y1="0" x2="0" y2="1">
        <stop offset="0" stop-color="#f6b26b"/><stop offset="1" stop-color="#203a5c"/>
      </linearGradient>
      <radialGradient id="sun"><stop offset="0" stop-color="#fff7d6"/><stop offset="1" stop-color="#ffd27a" stop-opacity="0"/></radialGradient>
    </defs>
    <rect width="${width}" height="${height}" fill="url(#sky)"/>
    <circle cx="1040" cy="560" r="260" fill="url(#sun)"/>
    <circle cx="1040" cy="560" r="70" fill="#fff3c4"/>
    ${ridge(560, 220, '#5b4a7a')}
    ${ridge(640, 160, '#3d3560')}
    ${ridge(700, 90, '#262546')}
    <rect y="720" width="${width}" height="${height - 720}" fill="url(#lake)"/>
    <rect x="990" y="730" width="100" height="8" fill="#fff3c4" opacity="0.8"/>
    <rect x="960" y="760" width="160" height="6" fill="#fff3c4" opacity="0.5"/>
    <rect x="1000" y="790" width="80" height="5" fill="#fff3c4" opacity="0.4"/>`;
  return photographic(width, height, body, 11, 82);
}

/** A city at night: the sample with a Korean file name and a space in it. */
async function cityAtNight(): Promise<Buffer> {
  const { width, height } = SAMPLES.korean;
  const next = random(3);
  let buildings = '';
  for (let x = 0; x < width;) {
    const w = 60 + Math.round(next() * 90);
    const h = 180 + Math.round(next() * 420);
    const top = height - h;
    buildings += `<rect x="${x}" y="${top}" width="${w}" height="${h}" fill="hsl(225, 30%, ${10 + Math.round(next() * 10)}%)"/>`;
    for (let wy = top + 14; wy < height - 20; wy += 26) {
      for (let wx = x + 10; wx < x + w - 14; wx += 20) {
        if (next() < 0.45) buildings += `<rect x="${wx}" y="${wy}" width="10" height="14" fill="hsl(${40 + Math.round(next() * 15)}, 90%, ${60 + Math.round(next() * 20)}%)"/>`;
      }
    }
    x += w + 4;
  }
  const body = `
    <defs><linearGradient id="night" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#070b1f"/><stop offset="1" stop-color="#2b2f5e"/>
    </linearGradient></defs>
    <rect width="${width}" height="${height}" fill="url(#night)"/>
    <circle cx="220" cy="150" r="56" fill="#f4f1de"/>
    <circle cx="244" cy="138" r="50" fill="#0b1027"/>
    ${buildings}`;
  return photographic(width, height, body, 5, 80);
}

/** A loading spinner: an arc that turns a twelfth per frame. */
async function spinner(): Promise<Buffer> {
  const { width, height, frames } = SAMPLES.spinner;
  const images = await Promise.all(Array.from({ length: frames }, (_, i) => sharp(svg(width, height, `
    <rect width="${width}" height="${height}" fill="#ffffff"/>
    <circle cx="48" cy="48" r="34" fill="none" stroke="#dde3ee" stroke-width="12"/>
    <path d="M48 14 A34 34 0 0 1 82 48" fill="none" stroke="hsl(${i * 30}, 70%, 50%)" stroke-width="12" stroke-linecap="round" transform="rotate(${i * 30} 48 48)"/>`))
    .png().toBuffer()));
  return sharp(images, { join: { animated: true } }).gif({ delay: Array(frames).fill(80), loop: 0 }).toBuffer();
}

/** A one-page PDF with the standard Helvetica font (nothing embedded), offsets computed. */
function pdf(): Buffer {
  const lines = [
    'edge-image-resizer: sample PDF',
    'This file is not an image, so the resizer passes it through untouched,',
    'with or without a query string. The demo page fetches it across origins.',
  ];
  const text = lines.map((line, i) => `BT /F1 ${i === 0 ? 20 : 12} Tf 56 ${760 - i * 28} Td (${line}) Tj ET`).join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${Buffer.byteLength(text)} >>\nstream\n${text}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

export async function makeExamples(target = bucket): Promise<string[]> {
  const thumb = await thumbnail();
  const files: Array<[string, Buffer]> = [
    ['thumbnail.png', thumb],
    ['dev/thumbnail.png', thumb],
    ['prod/thumbnail.png', thumb],
    [SAMPLES.photo.key, await photo()],
    [SAMPLES.korean.key, await cityAtNight()],
    [SAMPLES.spinner.key, await spinner()],
    [SAMPLES.pdf.key, pdf()],
  ];
  for (const [key, bytes] of files) {
    mkdirSync(path.dirname(path.join(target, key)), { recursive: true });
    writeFileSync(path.join(target, key), bytes);
  }
  return files.map(([key, bytes]) => `${key}  ${bytes.length} bytes`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  makeExamples().then(
    (written) => { for (const line of written) console.log(line); },
    (error) => { console.error(`make-examples failed: ${error instanceof Error ? error.message : error}`); process.exit(1); },
  );
}
