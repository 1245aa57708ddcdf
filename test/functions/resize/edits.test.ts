// Edits v3 (trim, brightness, contrast, saturation, pad, wm, HDR gain maps) through the local
// edge in both normalizer builds: bundles built for a config with two watermarks, a real s3rver
// holding generated images, every answer decoded and measured, never compared as bytes.
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLocalEdge, type LocalEdge } from '../../../infra/local/edge';
import type { ViewerRuntime } from '../../../infra/local/rules';
import { contentTypeOf, S3RVER_CREDENTIALS, startEmbeddedS3, type EmbeddedS3 } from '../../../infra/local/s3-server';
import { buildAll } from '../../../scripts/build';
import type { Config } from '../../../shared/config';
import { configWith } from '../../helpers/config';
import {
  animated, BLUE, bordered, boundingBox, colourAt, decode, flat, gradient, lab, RED, transparentPng, twoTone, ultraHdrJpeg, WHITE,
} from '../../helpers/images';

const BUCKET = 'edits-originals';
const RUNTIMES: readonly ViewerRuntime[] = ['lambda-edge', 'cloudfront-function'];

export const EDITS_CONFIG: Config = configWith({
  watermarks: {
    logo: { key: 'prod/marks/red.png', gravity: 'bottom-right', width: 0.25, opacity: 0.5, margin: 0.05 },
    corner: { key: 'prod/marks/red.png', gravity: 'top-left', width: 0.1, opacity: 1, margin: 0 },
    missing: { key: 'prod/marks/nothing-here.png' },
    broken: { key: 'prod/marks/broken.png' },
  },
});

/** Flat colours used below. */
const TAN = { r: 200, g: 120, b: 80 };
/** Dark enough that 1.5 times its lightness stays inside sRGB. */
const BROWN = { r: 100, g: 60, b: 40 };

const FILES: Record<string, () => Promise<Buffer>> = {
  // A 60x40 red box inside an uneven white border: 84x64 in all.
  'prod/edits/bordered.png': () => bordered(60, 40, RED, WHITE, { top: 10, right: 6, bottom: 14, left: 18 }),
  'prod/edits/white.png': () => flat(50, 30, WHITE),
  'prod/edits/tan.png': () => flat(64, 48, TAN),
  'prod/edits/brown.png': () => flat(64, 48, BROWN),
  'prod/edits/two-tone.png': () => twoTone(64, 32, 96, 160),
  'prod/edits/photo.jpg': () => gradient(400, 300),
  'prod/edits/logo.png': () => transparentPng(200, 100),
  'prod/edits/blue.png': () => flat(400, 300, BLUE),
  'prod/edits/spinner.gif': () => animated(80, 60, 3, 'gif'),
  'prod/edits/hdr.jpg': () => ultraHdrJpeg(640, 480),
  // The overlay: an opaque red 100x50.
  'prod/marks/red.png': () => flat(100, 50, RED),
  'prod/marks/broken.png': async () => Buffer.from('not an image'),
};

interface Context { s3: EmbeddedS3; dir: string; edges: Array<[ViewerRuntime, LocalEdge]> }

const edits = suite<Context>('edits through the local edge', {} as Context);

edits.before(async (context) => {
  // uvu reports a failing hook as nothing at all: say it.
  try { await setUp(context); } catch (error) { console.error('edits: set-up failed', error); throw error; }
});

async function setUp(context: Context) {
  context.dir = mkdtempSync(path.join(tmpdir(), 'edits-dist-'));
  await buildAll({ config: EDITS_CONFIG, outDir: context.dir });
  context.s3 = await startEmbeddedS3();
  await context.s3.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const [key, make] of Object.entries(FILES)) {
    await context.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: await make(), ContentType: contentTypeOf(key) }));
  }
  context.edges = [];
  for (const runtime of RUNTIMES) {
    context.edges.push([runtime, await createLocalEdge({
      config: EDITS_CONFIG, distDir: context.dir, viewerRuntime: runtime, port: 0, log: () => undefined,
      s3: { endpoint: context.s3.endpoint, bucket: BUCKET, region: 'us-east-1', credentials: S3RVER_CREDENTIALS },
    })]);
  }
}

edits.after(async (context) => {
  for (const [, edge] of context.edges || []) await edge.close();
  if (context.s3) await context.s3.stop();
  if (context.dir) rmSync(context.dir, { recursive: true, force: true });
});

async function get(edge: LocalEdge, target: string): Promise<{ status: number; body: Buffer; text: string }> {
  const response = await fetch(edge.url + target);
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, body, text: body.toString('utf8') };
}

/** Runs `check` against each build's answer to `target`, which must be 200. */
function each(name: string, target: string, check: (body: Buffer, runtime: ViewerRuntime) => Promise<void>) {
  edits(name, async (context) => {
    for (const [runtime, edge] of context.edges) {
      const answer = await get(edge, target);
      assert.is(answer.status, 200, `${runtime} ${target}: ${answer.status} ${answer.status === 200 ? '' : answer.text}`);
      await check(answer.body, runtime);
    }
  });
}

function near(actual: number, expected: number, tolerance: number, what: string) {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);
}

// trim
each('trim: the size is the non-border box of a bordered image, and it is all box', '/prod/edits/bordered.png?trim=10&f=png', async (body) => {
  const decoded = await decode(body);
  assert.is(`${decoded.width}x${decoded.height}`, '60x40');
  const box = await boundingBox(body, WHITE);
  assert.equal(box, { left: 0, top: 0, width: 60, height: 40 });
});
each('trim before w: w=30 means half the trimmed width', '/prod/edits/bordered.png?trim=10&w=30&f=png', async (body) => {
  const decoded = await decode(body);
  assert.is(`${decoded.width}x${decoded.height}`, '30x20');
});
each('trim before rect: rect describes the trimmed image', '/prod/edits/bordered.png?trim=10&rect=0,0,10,10&f=png', async (body) => {
  const decoded = await decode(body);
  assert.is(`${decoded.width}x${decoded.height}`, '10x10');
  const c = await colourAt(body, 0, 0, 10, 10);
  assert.ok(c.r > 240 && c.g < 15 && c.b < 15, `all red, got ${JSON.stringify(c)}`);
});
each('trim of a source that is all border answers it whole', '/prod/edits/white.png?trim=10&f=png', async (body) => {
  const decoded = await decode(body);
  assert.is(`${decoded.width}x${decoded.height}`, '50x30');
});
edits('trim of an animation is 422 naming anim=0; anim=0 trims its first frame', async (context) => {
  for (const [runtime, edge] of context.edges) {
    const refused = await get(edge, '/prod/edits/spinner.gif?trim=10&f=gif');
    assert.is(refused.status, 422, runtime);
    assert.match(refused.text, /trim need a still image.*anim=0/);
    const first = await get(edge, '/prod/edits/spinner.gif?trim=10&anim=0&f=png');
    assert.is(first.status, 200, `${runtime}: ${first.text}`);
  }
});

// brightness, saturation, contrast
each('brightness=1.5 multiplies the lightness of a flat colour by 1.5', '/prod/edits/brown.png?brightness=1.5&f=png', async (body) => {
  const before = lab(BROWN);
  const after = lab(await colourAt(body, 8, 8, 48, 32));
  near(after.l / before.l, 1.5, 0.05, 'L ratio');
});
each('brightness=0.5 halves it', '/prod/edits/tan.png?brightness=0.5&f=png', async (body) => {
  near(lab(await colourAt(body, 8, 8, 48, 32)).l / lab(TAN).l, 0.5, 0.03, 'L ratio');
});
each('saturation=0.5 halves the chroma of a flat colour and keeps its lightness', '/prod/edits/tan.png?saturation=0.5&f=png', async (body) => {
  const before = lab(TAN);
  const after = lab(await colourAt(body, 8, 8, 48, 32));
  near(after.c / before.c, 0.5, 0.05, 'chroma ratio');
  near(after.l, before.l, 1.5, 'lightness');
});
each('saturation=0 leaves no colour', '/prod/edits/tan.png?saturation=0&f=png', async (body) => {
  const c = await colourAt(body, 8, 8, 48, 32);
  assert.ok(Math.max(c.r, c.g, c.b) - Math.min(c.r, c.g, c.b) <= 2, JSON.stringify(c));
});
each('contrast=2 stretches 96 and 160 around 128 to 64 and 192', '/prod/edits/two-tone.png?contrast=2&f=png', async (body) => {
  near((await colourAt(body, 4, 4, 20, 24)).r, 64, 2, 'dark half');
  near((await colourAt(body, 40, 4, 20, 24)).r, 192, 2, 'light half');
});
each('contrast=0.5 pulls them to 112 and 144', '/prod/edits/two-tone.png?contrast=0.5&f=png', async (body) => {
  near((await colourAt(body, 4, 4, 20, 24)).g, 112, 2, 'dark half');
  near((await colourAt(body, 40, 4, 20, 24)).g, 144, 2, 'light half');
});
edits('saturation=0 and gray=1 are two outputs: their pixels differ (so two keys are right)', async (context) => {
  for (const [runtime, edge] of context.edges) {
    const a = await get(edge, '/prod/edits/photo.jpg?w=150&saturation=0&f=png');
    const b = await get(edge, '/prod/edits/photo.jpg?w=150&gray=1&f=png');
    assert.is(a.status, 200, runtime);
    assert.is(b.status, 200, runtime);
    const pa = await sharp(a.body).toColourspace('srgb').removeAlpha().raw().toBuffer();
    const pb = await sharp(b.body).toColourspace('srgb').removeAlpha().raw().toBuffer();
    let max = 0;
    for (let i = 0; i < pa.length; i++) max = Math.max(max, Math.abs(pa[i] - pb[i]));
    // Measured: up to 2 levels on this gradient, 9 on a textured image (greyscale comes before the resize, modulate after).
    assert.ok(max >= 1, `${runtime}: identical pixels`);
  }
});

// pad
each('pad=10 on a jpeg: 2 x pad larger, white corners', '/prod/edits/photo.jpg?w=100&pad=10&f=jpeg', async (body) => {
  const decoded = await decode(body);
  assert.is(`${decoded.width}x${decoded.height}`, '120x95');
  for (const [x, y] of [[0, 0], [116, 0], [0, 91], [116, 91]]) {
    const c = await colourAt(body, x, y, 4, 4);
    assert.ok(c.r > 245 && c.g > 245 && c.b > 245, `corner ${x},${y}: ${JSON.stringify(c)}`);
  }
});
each('pad with bg on a png: the bg colour at the corners', '/prod/edits/photo.jpg?w=100&pad=8&bg=00ff00&f=png', async (body) => {
  const decoded = await decode(body);
  assert.is(`${decoded.width}x${decoded.height}`, '116x91');
  const c = await colourAt(body, 0, 0, 6, 6);
  assert.equal(c, { r: 0, g: 255, b: 0 });
});
each('pad on a png without bg: transparent corners', '/prod/edits/logo.png?w=100&pad=5&f=png', async (body) => {
  const decoded = await decode(body);
  assert.is(`${decoded.width}x${decoded.height}`, '110x60');
  assert.ok(decoded.hasAlpha);
  const { data } = await sharp(body).extract({ left: 0, top: 0, width: 4, height: 4 }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  for (let i = 3; i < data.length; i += 4) assert.is(data[i], 0, 'alpha at the corner');
});

// wm
// On 400x300: 25% of the width is 100 px (the overlay's own 100x50), margin 5% of 400 = 20.
each('wm=logo: the overlay\'s box at bottom-right within the margin, at half opacity', '/prod/edits/blue.png?wm=logo&f=png', async (body) => {
  const box = await boundingBox(body, BLUE);
  assert.equal(box, { left: 400 - 100 - 20, top: 300 - 50 - 20, width: 100, height: 50 });
  const c = await colourAt(body, 300, 240, 60, 20);
  near(c.r, 128, 3, 'red at 50%');
  near(c.b, 127, 3, 'blue at 50%');
});
each('wm=corner: top-left, no margin, 10% of the width, opaque', '/prod/edits/blue.png?w=200&wm=corner&f=png', async (body) => {
  const box = await boundingBox(body, BLUE);
  assert.equal(box, { left: 0, top: 0, width: 20, height: 10 });
  assert.equal(await colourAt(body, 2, 2, 16, 6), RED);
});
each('wm is drawn after contrast and brightness: the overlay keeps its own colour', '/prod/edits/blue.png?w=200&wm=corner&contrast=0.2&brightness=0.5&f=png', async (body) => {
  assert.equal(await colourAt(body, 2, 2, 16, 6), RED);
});
each('wm is drawn on every frame of an animation', '/prod/edits/spinner.gif?wm=corner&f=gif', async (body) => {
  const decoded = await decode(body);
  assert.is(decoded.pages, 3);
  for (let page = 0; page < 3; page++) {
    const { data } = await sharp(body, { page }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    // 10% of 80 is 8 px wide, 4 high, at 0,0: red on every frame (frame 0 is red already; frames 1, 2 are green and blue).
    assert.ok(data[0] > 200 && data[1] < 60 && data[2] < 60, `frame ${page} corner ${data[0]},${data[1]},${data[2]}`);
    const i = (10 * 80 + 40) * 3;
    assert.ok(page === 0 ? data[i] > 200 : data[i] < 60, `frame ${page} keeps its own colour away from the mark`);
  }
});
edits('wm: an unknown name is 400 naming the known ones; a missing or undecodable overlay is 422 naming its key', async (context) => {
  for (const [runtime, edge] of context.edges) {
    const unknown = await get(edge, '/prod/edits/blue.png?wm=nope&f=png');
    assert.is(unknown.status, 400, runtime);
    assert.match(unknown.text, /wm must be one of logo, corner, missing, broken, got "nope"/);
    const missing = await get(edge, '/prod/edits/blue.png?wm=missing&f=png');
    assert.is(missing.status, 422, `${runtime}: ${missing.text}`);
    assert.match(missing.text, /wm=missing needs its overlay prod\/marks\/nothing-here\.png .* S3 does not have/);
    const broken = await get(edge, '/prod/edits/blue.png?wm=broken&f=png');
    assert.is(broken.status, 422, `${runtime}: ${broken.text}`);
    assert.match(broken.text, /wm=broken needs its overlay prod\/marks\/broken\.png .* not a decodable image/);
  }
});

// HDR gain maps with the new edits (the rest: test/functions/resize/gain-map.test.ts)
async function gainMapOf(body: Buffer): Promise<{ width: number; height: number } | null> {
  const meta = await sharp(body).metadata();
  if (!meta.gainMap) return null;
  const map = await sharp(meta.gainMap.image).metadata();
  return { width: map.width!, height: map.height! };
}
each('cropped, turned and padded, it still keeps it', '/prod/edits/hdr.jpg?w=200&h=200&rot=90&pad=4&f=jpeg', async (body) => {
  const decoded = await decode(body);
  assert.is(`${decoded.width}x${decoded.height}`, '208x208');
  assert.equal(await gainMapOf(body), { width: 104, height: 104 });
});
each('with an edit sharp cannot apply to a gain map (brightness) the JPEG is SDR', '/prod/edits/hdr.jpg?w=320&brightness=1.2&f=jpeg', async (body) => {
  assert.is((await decode(body)).width, 320);
  assert.is(await gainMapOf(body), null);
});

edits.run();
