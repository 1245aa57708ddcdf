// The Next.js loader with the real `next` package: getImageProps from next/image, in plain Node,
// with the client's loader and a blurDataURL from the info endpoint. Every srcSet URL is served
// 200 by the local edge, decodes at the width it names, and is already canonical: both
// normalizer builds change nothing in it but resolving f=auto.
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchInfo, imageUrl, placeholder } from '../../client/src/index';
import edgeLoader, { createLoader } from '../../client/src/next';
import { cloudFrontFunctionNormalizer, lambdaNormalizer } from '../helpers/bundles';
import { startSampleEdge, type SampleEdge } from '../helpers/edge';
import { cffViewerRequest, viewerRequest } from '../helpers/events';
import { gradient } from '../helpers/images';

// next/image is CommonJS without an exports map.
const { getImageProps } = createRequire(import.meta.url)('next/image') as typeof import('next/image');

/** What Chromium sends for <img>. */
const CHROME_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const consoleLog = console.log;
const next = suite<{ sample: SampleEdge }>('Next.js loader', {} as never);

next.before(async (context) => {
  console.log = () => undefined;
  // Wider than every width Next asks for (up to 3840), so each exists at that width.
  context.sample = await startSampleEdge({ files: { 'dev/wide.jpg': await gradient(4000, 2000) } });
});

next.after(async ({ sample }) => {
  await sample?.close();
  console.log = consoleLog;
});

function candidates(srcSet: string): Array<{ url: string; width: number }> {
  return srcSet.split(', ').map((entry) => {
    const [url, descriptor] = entry.split(' ');
    const width = descriptor.endsWith('w') ? Number(descriptor.slice(0, -1)) : Number(new URL(url).searchParams.get('w'));
    return { url, width };
  });
}

async function assertServedAndCanonical(sample: SampleEdge, url: string, width: number): Promise<void> {
  const { pathname, search } = new URL(url);
  const query = search.slice(1);
  const resolved = new URL(imageUrl(sample.url, decodeURIComponent(pathname), { ...Object.fromEntries(new URLSearchParams(query)), f: 'webp' })).search.slice(1);
  const lambda = await lambdaNormalizer()(viewerRequest(query, CHROME_ACCEPT, pathname)) as { querystring: string };
  assert.is(lambda.querystring, resolved, `Lambda@Edge normalizer on ${url}`);
  const cff = await cloudFrontFunctionNormalizer()(cffViewerRequest([...new URLSearchParams(query)], CHROME_ACCEPT)) as { querystring: Record<string, { value: string }> };
  assert.is(Object.entries(cff.querystring).map(([name, { value }]) => `${name}=${value}`).join('&'), resolved, `CloudFront Function on ${url}`);
  const response = await fetch(url, { headers: { accept: CHROME_ACCEPT } });
  const body = Buffer.from(await response.arrayBuffer());
  assert.is(response.status, 200, `${url}: ${body.toString().slice(0, 200)}`);
  assert.is(response.headers.get('content-type'), 'image/webp');
  const meta = await sharp(body).metadata();
  assert.is(meta.width, width, `${url} decodes at the width it names`);
}

next('getImageProps with sizes: every srcSet candidate is canonical, served and as wide as it says; blurDataURL from f=json', async ({ sample }) => {
  const info = (await fetchInfo(['dev/wide.jpg'], { base: sample.url }))['dev/wide.jpg'];
  assert.equal(info.source, { width: 4000, height: 2000, format: 'jpeg', bytes: info.source.bytes, hasAlpha: false, frames: 1 });
  const { props } = getImageProps({
    src: 'dev/wide.jpg', alt: 'A gradient', width: info.source.width, height: info.source.height, quality: 75,
    sizes: '(max-width: 700px) 100vw, 640px', loader: createLoader({ base: sample.url }),
    placeholder: 'blur', blurDataURL: placeholder(info),
  });
  const list = candidates(props.srcSet!);
  assert.equal(list.map((c) => c.width), [640, 750, 828, 1080, 1200, 1920, 2048, 3840], 'Next\'s device sizes');
  for (const { url, width } of list) await assertServedAndCanonical(sample, url, width);
  // Next wraps the blurDataURL in a blurring SVG.
  assert.ok(decodeURIComponent(String(props.style?.backgroundImage)).includes(placeholder(info)), 'the ThumbHash is the blur placeholder');
});

next('getImageProps without sizes (1x, 2x) through the default export, base from NEXT_PUBLIC_IMAGE_CDN', async ({ sample }) => {
  process.env.NEXT_PUBLIC_IMAGE_CDN = sample.url;
  try {
    const { props } = getImageProps({ src: 'dev/서울 야경.jpg', alt: 'Seoul at night', width: 600, height: 400, quality: 75, loader: edgeLoader });
    const list = candidates(props.srcSet!);
    assert.equal(list.map((c) => c.width), [640, 1200]);
    assert.match(list[0].url, /\/dev\/%EC%84%9C%EC%9A%B8%20%EC%95%BC%EA%B2%BD\.jpg\?w=640&q=75$/);
    for (const { url, width } of list) await assertServedAndCanonical(sample, url, width);
  } finally {
    delete process.env.NEXT_PUBLIC_IMAGE_CDN;
  }
});

next('the default export without NEXT_PUBLIC_IMAGE_CDN says what is missing', () => {
  assert.throws(() => edgeLoader({ src: 'a.jpg', width: 10 }), /^NEXT_PUBLIC_IMAGE_CDN \(in \.env, for next dev, next build and next start\) needs the CDN's absolute URL/);
});

next.run();
