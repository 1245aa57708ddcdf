// HDR gain maps kept (issue 17 item 5) through the local edge in both normalizer builds: a real
// s3rver holding a generated Ultra HDR JPEG, every answer decoded and its gain map measured.
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLocalEdge, type LocalEdge } from '../../../infra/local/edge';
import type { ViewerRuntime } from '../../../infra/local/rules';
import { S3RVER_CREDENTIALS, startEmbeddedS3, type EmbeddedS3 } from '../../../infra/local/s3-server';
import { buildAll } from '../../../scripts/build';
import { configWith } from '../../helpers/config';
import { decode, ultraHdrJpeg } from '../../helpers/images';

const BUCKET = 'gain-map-originals';
const RUNTIMES: readonly ViewerRuntime[] = ['lambda-edge', 'cloudfront-function'];
const CONFIG = configWith({});
const KEY = 'prod/hdr/photo.jpg';

interface Context { s3: EmbeddedS3; dir: string; source: Buffer; edges: Array<[ViewerRuntime, LocalEdge]> }

const gainMaps = suite<Context>('HDR gain maps through the local edge', {} as Context);

gainMaps.before(async (context) => {
  try {
    context.dir = mkdtempSync(path.join(tmpdir(), 'gain-map-dist-'));
    await buildAll({ config: CONFIG, outDir: context.dir });
    context.s3 = await startEmbeddedS3();
    await context.s3.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    context.source = await ultraHdrJpeg(640, 480);
    await context.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: context.source, ContentType: 'image/jpeg' }));
    context.edges = [];
    for (const runtime of RUNTIMES) {
      context.edges.push([runtime, await createLocalEdge({
        config: CONFIG, distDir: context.dir, viewerRuntime: runtime, port: 0, log: () => undefined,
        s3: { endpoint: context.s3.endpoint, bucket: BUCKET, region: 'us-east-1', credentials: S3RVER_CREDENTIALS },
      })]);
    }
  } catch (error) {
    // uvu reports a failing hook as nothing at all: say it.
    console.error('gain maps: set-up failed', error);
    throw error;
  }
});

gainMaps.after(async (context) => {
  for (const [, edge] of context.edges || []) await edge.close();
  if (context.s3) await context.s3.stop();
  if (context.dir) rmSync(context.dir, { recursive: true, force: true });
});

/** The gain map's size, or null without one. */
async function gainMapOf(body: Buffer): Promise<{ width: number; height: number } | null> {
  const meta = await sharp(body).metadata();
  if (!meta.gainMap) return null;
  const map = await sharp(meta.gainMap.image).metadata();
  return { width: map.width!, height: map.height! };
}

/** Runs `check` against each build's answer to `query` on the Ultra HDR source, which must be 200. */
function each(name: string, query: string, check: (body: Buffer, runtime: ViewerRuntime) => Promise<void>) {
  gainMaps(name, async (context) => {
    for (const [runtime, edge] of context.edges) {
      const response = await fetch(`${edge.url}/${KEY}?${query}`);
      const body = Buffer.from(await response.arrayBuffer());
      assert.is(response.status, 200, `${runtime} ?${query}: ${response.status} ${body.toString('utf8').slice(0, 200)}`);
      await check(body, runtime);
    }
  });
}

gainMaps('the generated Ultra HDR source has a gain map (the test\'s premise)', async ({ source }) => {
  assert.equal(await gainMapOf(source), { width: 320, height: 240 });
});
each('a resized Ultra HDR JPEG keeps its gain map, resized with it', 'w=320&f=jpeg', async (body, runtime) => {
  const decoded = await decode(body);
  assert.is(`${decoded.width}x${decoded.height}`, '320x240', runtime);
  assert.equal(await gainMapOf(body), { width: 160, height: 120 }, runtime);
});
each('cropped to a box and turned, it still keeps it, cropped and turned with the image', 'w=200&h=100&rot=90&f=jpeg', async (body, runtime) => {
  const decoded = await decode(body);
  assert.is(`${decoded.width}x${decoded.height}`, '200x100', runtime);
  assert.equal(await gainMapOf(body), { width: 100, height: 50 }, runtime);
});
each('letterboxed (fit=contain), it keeps it, letterboxed with the image', 'w=300&h=300&fit=contain&f=jpeg', async (body, runtime) => {
  const decoded = await decode(body);
  assert.is(`${decoded.width}x${decoded.height}`, '300x300', runtime);
  assert.equal(await gainMapOf(body), { width: 150, height: 150 }, runtime);
});
each('to webp the output is SDR (no gain map)', 'w=320&f=webp', async (body, runtime) => {
  assert.is((await decode(body)).format, 'webp', runtime);
  assert.is(await gainMapOf(body), null, runtime);
});
each('with an edit the gain map would undo (gray=1) the JPEG is SDR', 'w=320&gray=1&f=jpeg', async (body, runtime) => {
  assert.is((await decode(body)).width, 320, runtime);
  assert.is(await gainMapOf(body), null, runtime);
});
each('with a smart crop (pos=attention) the JPEG is SDR', 'w=200&h=200&pos=attention&f=jpeg', async (body, runtime) => {
  assert.is((await decode(body)).width, 200, runtime);
  assert.is(await gainMapOf(body), null, runtime);
});

each('with rect and rot together (two geometry passes) the JPEG is SDR', 'rect=0,0,300,200&rot=90&f=jpeg', async (body, runtime) => {
  const decoded = await decode(body);
  assert.is(`${decoded.width}x${decoded.height}`, '200x300', runtime);
  assert.is(await gainMapOf(body), null, runtime);
});

gainMaps.run();
