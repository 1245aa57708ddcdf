// The client tells the truth about what the edge makes: srcset candidates no wider than the
// original (sourceWidth, as fetchInfo gives it) and of one shape (aspectRatio), each served by
// the local edge at the width it names; one-line errors for a missing or relative base in
// every entry point; the Next.js loaders leave the site's own images (src starting with /) to Next.
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchInfo, imageUrl, srcset } from '../../client/src/index';
import { edgeConfig } from '../../client/src/config';
import edgeLoader, { createLoader } from '../../client/src/next';
import { startSampleEdge, type SampleEdge } from '../helpers/edge';

const consoleLog = console.log;
const truth = suite<{ sample: SampleEdge }>('the client tells the truth', {} as never);

truth.before(async (context) => {
  console.log = () => undefined;
  context.sample = await startSampleEdge();
});

truth.after(async ({ sample }) => {
  await sample?.close();
  console.log = consoleLog;
});

async function decoded(url: string): Promise<{ width: number; height: number }> {
  const response = await fetch(url, { headers: { accept: 'image/webp' } });
  const body = Buffer.from(await response.arrayBuffer());
  assert.is(response.status, 200, `${url}: ${body.toString().slice(0, 200)}`);
  const { width, height } = await sharp(body).metadata();
  return { width: width!, height: height! };
}

const parse = (value: string) => value.split(', ').map((entry) => {
  const [url, label] = entry.split(' ');
  return { url, width: Number(label.slice(0, -1)) };
});

truth('srcset with sourceWidth from fetchInfo: nothing wider than the photo, one candidate of its whole width, each decoded at its label', async ({ sample }) => {
  const info = (await fetchInfo(['dev/photo.jpg'], { base: sample.url }))['dev/photo.jpg'];
  assert.is(info.source.width, 1500);
  const before = parse(srcset('dev/photo.jpg', { base: sample.url }));
  assert.equal(before.map((c) => c.width).slice(-2), [1920, 2048], 'without it, the default widths go past the photo');
  const list = parse(srcset('dev/photo.jpg', { base: sample.url, sourceWidth: info.source.width }));
  assert.equal(list.map((c) => c.width), [320, 480, 640, 750, 828, 1080, 1200, 1500]);
  assert.match(list[list.length - 1].url, /\?w=1500$/, 'the whole width is asked for as such: one cache entry');
  for (const { url, width } of list) assert.is((await decoded(url)).width, width, url);
});

truth('srcset with aspectRatio: every candidate has the same shape, cropped by fit=cover', async ({ sample }) => {
  const list = parse(srcset('dev/photo.jpg', { base: sample.url, widths: [320, 640, 1200], aspectRatio: 16 / 9, params: { fit: 'cover' }, sourceWidth: 1500 }));
  assert.equal(list.map((c) => c.width), [320, 640, 1200]);
  for (const { url, width } of list) {
    const size = await decoded(url);
    assert.is(size.width, width, url);
    assert.is(size.height, Math.round(width * 9 / 16), url);
  }
});

truth('srcset with aspectRatio and the original\'s height: no crop taller than the photo, so every candidate keeps the shape', async ({ sample }) => {
  const info = (await fetchInfo(['dev/photo.jpg'], { base: sample.url }))['dev/photo.jpg'];
  const { width: sourceWidth, height: sourceHeight } = info.source;
  const list = parse(srcset('dev/photo.jpg', { base: sample.url, aspectRatio: 1, sourceWidth, sourceHeight }));
  assert.equal(list.map((c) => c.width), [320, 480, 640, 750, 828, sourceHeight], 'the widest square the photo holds is its height');
  for (const { url, width } of list) assert.equal(await decoded(url), { width, height: width }, url);
});

truth('srcset with config widths past the original: a plain resize keeps one candidate of the whole width, a crop drops what the edge cannot shape', async () => {
  const widths = [320, 640, 1080, 1920];
  const sample = await startSampleEdge({ config: { widths } });
  try {
    const config = edgeConfig({ widths });
    const plain = parse(srcset('dev/photo.jpg', { base: sample.url, config, sourceWidth: 1500 }));
    assert.equal(plain.map((c) => c.width), [320, 640, 1080, 1500]);
    assert.match(plain[3].url, /\?w=1920$/, 'the edge snaps 1500 up to 1920 and gives the whole photo');
    for (const { url, width } of plain) assert.is((await decoded(url)).width, width, url);
    const cropped = parse(srcset('dev/photo.jpg', { base: sample.url, config, sourceWidth: 1500, sourceHeight: 1000, aspectRatio: 16 / 9 }));
    assert.equal(cropped.map((c) => c.width), [320, 640, 1080], 'w=1920&h=1080 of a 1500x1000 photo would come back 1500x1000, another shape');
    for (const { url, width } of cropped) assert.equal(await decoded(url), { width, height: Math.round(width * 9 / 16) }, url);
  } finally {
    await sample.close();
  }
});

truth('a missing, empty or relative base is refused in one line by imageUrl, srcset, fetchInfo and both loaders', async () => {
  const oneLine = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      const message = (error as Error).message;
      assert.not.match(message, /\n/);
      return message;
    }
    return 'no error';
  };
  for (const base of [undefined, '', '/images', 'images.example.com', '//images.example.com']) {
    const shown = base === undefined ? 'nothing' : JSON.stringify(base);
    assert.is(oneLine(() => imageUrl(base as unknown as string, 'dev/a.jpg', { w: 10 })), `imageUrl needs the CDN's absolute URL like "https://images.example.com" (the distribution's domain, or your own), got ${shown}`);
    assert.match(oneLine(() => srcset('dev/a.jpg', { base: base as unknown as string })), /^srcset needs the CDN's absolute URL/);
    assert.match(oneLine(() => createLoader({ base: base as unknown as string })), /^createLoader needs the CDN's absolute URL/);
    await fetchInfo(['dev/a.jpg'], { base: base as unknown as string }).then(() => assert.unreachable('fetchInfo resolved'), (error: Error) => assert.match(error.message, /^fetchInfo needs the CDN's absolute URL/));
  }
  delete process.env.NEXT_PUBLIC_IMAGE_CDN;
  assert.is(oneLine(() => edgeLoader({ src: 'dev/a.jpg', width: 10 })), 'NEXT_PUBLIC_IMAGE_CDN (in .env, for next dev, next build and next start) needs the CDN\'s absolute URL like "https://images.example.com" (the distribution\'s domain, or your own), got nothing');
  assert.is(oneLine(() => srcset('dev/a.jpg', { base: 'https://cdn.example.com', sourceWidth: 0 })), 'srcset sourceWidth must be the original\'s size, a whole number of pixels, got "0"');
  assert.match(oneLine(() => srcset('dev/a.jpg', { base: 'https://cdn.example.com', sourceHeight: 10.5 })), /^srcset sourceHeight must be the original's size/);
  assert.match(oneLine(() => srcset('dev/a.jpg', { base: 'https://cdn.example.com', aspectRatio: -1 })), /^srcset aspectRatio must be width over height/);
  assert.match(oneLine(() => srcset('dev/a.jpg', { base: 'https://cdn.example.com', params: { h: 100 } as never })), /^srcset params\.h would give every candidate the same height/);
});

truth('the loaders give a src starting with / back unchanged (public/ files, static imports), refuse // and /\\ in one line, and send keys to the edge', () => {
  const loader = createLoader({ base: 'https://cdn.example.com' });
  process.env.NEXT_PUBLIC_IMAGE_CDN = 'https://cdn.example.com';
  try {
    for (const src of ['/icon.png', '/_next/static/media/logo.1a2b3c.png']) {
      assert.is(loader({ src, width: 640, quality: 75 }), src);
      assert.is(edgeLoader({ src, width: 640, quality: 75 }), src);
    }
    // Protocol-relative spellings are another host to a browser (Next's default loader refuses them too).
    for (const src of ['//evil.example/x.jpg', '/\\evil.example/x.jpg']) {
      for (const each of [loader, edgeLoader]) {
        assert.throws(() => each({ src, width: 640 }), (error: Error) => error.message === `the image loader's src must be a key like "dev/photo.jpg" or a path of your site like "/icon.png", got ${JSON.stringify(src)} (another host's URL to a browser)`);
      }
      assert.is(new URL(src, 'https://site.example').host, 'evil.example', 'what a browser makes of it');
    }
    assert.is(loader({ src: 'dev/photo.jpg', width: 640, quality: 75 }), 'https://cdn.example.com/dev/photo.jpg?w=640&q=75');
    assert.is(edgeLoader({ src: 'dev/photo.jpg', width: 640 }), 'https://cdn.example.com/dev/photo.jpg?w=640');
  } finally {
    delete process.env.NEXT_PUBLIC_IMAGE_CDN;
  }
});

truth.run();
