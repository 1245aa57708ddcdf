// docs/client.md's Next.js section as a real app: its loader file, next.config, .env and page,
// word by word, with a public/ image and a static import beside the photo from the edge,
// served by a real `next dev` and by a real `next build` plus `next start` (the `next` package
// in node_modules), and loaded in Chromium: every image loads, the photo from the local edge
// at a width the edge makes, the other two from Next. The docs' https://images.example.com is
// the local edge's URL in .env. Skipped, saying so, without chromium. Every `next` runs in its
// own process group, stopped by the test (killed if the run ends first); the app folder is
// removed after the suite.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startSampleEdge, type SampleEdge } from '../helpers/edge';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CLIENT_DOC = readFileSync(path.join(root, 'docs/client.md'), 'utf8');
const CDN = 'https://images.example.com';
const NEXT = path.join(root, 'node_modules/next/dist/bin/next');
/** Inside the repository, so Next's root (the repository's lockfile) holds the app and the client package. */
const app = path.join(root, 'test-output/next-app');
/** As a site's shell runs Next: without the test runner's tsx, without telemetry. */
const nextEnv = { ...process.env, NODE_OPTIONS: '', NEXT_TELEMETRY_DISABLED: '1', NEXT_PUBLIC_IMAGE_CDN: undefined as unknown as string };

function snippet(name: string): string {
  const match = new RegExp(`<!-- snippet:${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(CLIENT_DOC);
  if (!match) throw new Error(`docs/client.md has no snippet ${name}`);
  return match[1];
}

interface Context { sample: SampleEdge; browser: Browser }
const nextApp = suite<Context>('Next.js app from docs/client.md in chromium', {} as Context);
const consoleLog = console.log;

if (!existsSync(CHROMIUM)) {
  nextApp('SKIPPED: browser test, chromium not found', () => {
    console.log(`SKIPPED: browser test, chromium not found at ${CHROMIUM} (apt-get install chromium)`);
  });
} else {
  nextApp.before(async (context) => {
    console.log = () => undefined;
    context.sample = await startSampleEdge();
    rmSync(app, { recursive: true, force: true });
    mkdirSync(path.join(app, 'node_modules/@edge-image-resizer'), { recursive: true });
    mkdirSync(path.join(app, 'app'));
    mkdirSync(path.join(app, 'public'));
    symlinkSync(path.join(root, 'client'), path.join(app, 'node_modules/@edge-image-resizer/client'));
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'site', private: true, type: 'module' }));
    writeFileSync(path.join(app, 'image-loader.js'), snippet('next-loader'));
    writeFileSync(path.join(app, 'next.config.mjs'), snippet('next-config'));
    writeFileSync(path.join(app, '.env'), snippet('next-env').split(CDN).join(context.sample.url));
    writeFileSync(path.join(app, 'app/page.jsx'), snippet('next-page'));
    // What every App Router app has; not part of the docs.
    writeFileSync(path.join(app, 'app/layout.jsx'), 'export default function RootLayout({ children }) { return <html lang="en"><body>{children}</body></html>; }\n');
    const png = (width: number, height: number, color: string) => sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
    writeFileSync(path.join(app, 'public/icon.png'), await png(64, 64, '#2a7'));
    writeFileSync(path.join(app, 'app/logo.png'), await png(240, 120, '#a27'));
    context.browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-quic'] });
  });

  nextApp.after(async ({ sample, browser }) => {
    await browser?.close();
    await sample?.close();
    rmSync(app, { recursive: true, force: true });
    console.log = consoleLog;
  });
}

/**
 * The process groups of the `next` commands still running: stopped when a test ends, and
 * killed if this process exits first (a failed assertion, an interrupted run), so that no
 * `next` outlives the suite.
 */
const running = new Set<number>();
function killRunning(): void {
  for (const group of running) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch (_) {
      // already gone
    }
  }
}
process.on('exit', killRunning);
// An interrupted run ends without 'exit': kill them, then end as the signal would have.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killRunning();
    process.kill(process.pid, signal);
  });
}

/** Starts `next <args>` in its own process group (Next's workers with it). */
function spawnNext(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [NEXT, ...args], { cwd: app, env: nextEnv, detached: true });
  running.add(child.pid!);
  child.on('exit', () => running.delete(child.pid!));
  return child;
}

/** Stops a `next` and every process of its group; resolves when it has exited. */
function stopNext(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.on('exit', () => resolve());
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch (_) {
      resolve();
    }
    // Next waits for open connections on SIGTERM; never longer than this.
    setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch (_) {
        // already gone
      }
    }, 10000).unref();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * Starts `next <command> --port`, resolves once the page answers with a status `answered`
 * accepts (by default a 2xx); its output for messages, the first accepted answer.
 */
async function serve(command: 'dev' | 'start', answered = (status: number) => status >= 200 && status < 300): Promise<{ url: string; child: ChildProcess; output: () => string; first: { status: number; body: string }; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawnNext([command, '--port', String(port), '--hostname', '127.0.0.1']);
  let output = '';
  child.stdout!.on('data', (chunk) => { output += chunk; });
  child.stderr!.on('data', (chunk) => { output += chunk; });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopNext(child);
  // next dev compiles the page on its first request: minutes on a loaded 2-core machine.
  const deadline = Date.now() + 240000;
  let first = { status: 0, body: '' };
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next ${command} exited ${child.exitCode}: ${output}`);
    try {
      const response = await fetch(url + '/', { signal: AbortSignal.timeout(120000) });
      first = { status: response.status, body: await response.text() };
      if (answered(response.status)) break;
    } catch (_) {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`next ${command} did not answer: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { url, child, output: () => output, first, stop };
}

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawnNext(args);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => { stdout += chunk; });
    child.stderr!.on('data', (chunk) => { stderr += chunk; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

interface Loaded { alt: string; currentSrc: string; src: string; srcset: string; sizes: string; complete: boolean; naturalWidth: number; naturalHeight: number }

/** The page in Chromium at DPR 2: every image, once each has loaded or failed. */
async function loadAll(browser: Browser, url: string): Promise<{ images: Loaded[]; failed: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 }, deviceScaleFactor: 2 });
  const failed: string[] = [];
  // Images and the page's own code; not the favicon Chromium asks for, which the app has none of.
  page.on('response', (response) => {
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) failed.push(`${response.status()} ${response.url()}`);
  });
  page.on('requestfailed', (request) => failed.push(`failed ${request.url()}`));
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 120000 });
    await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete), undefined, { timeout: 60000 });
    const images = await page.$$eval('img', (all) => all.map((img) => ({ alt: img.alt, currentSrc: img.currentSrc, src: img.getAttribute('src') || '', srcset: img.getAttribute('srcset') || '', sizes: img.getAttribute('sizes') || '', complete: img.complete, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight })));
    return { images, failed };
  } finally {
    await page.close();
  }
}

/** The width of the image at `url`, decoded. */
async function decodedWidth(url: string): Promise<number> {
  const response = await fetch(url);
  const body = Buffer.from(await response.arrayBuffer());
  assert.is(response.status, 200, `${url}: ${body.toString().slice(0, 200)}`);
  return (await sharp(body).metadata()).width!;
}

/**
 * What Chromium loaded, checked; the whole of it is in the message of any failure. (An img's
 * naturalWidth is its density-corrected width, the candidate's pixels over the density it
 * stands for, so the widths are checked by decoding the URLs.)
 */
async function assertAllLoaded(loaded: { images: Loaded[]; failed: string[] }, sample: SampleEdge, site: string): Promise<void> {
  const { images, failed } = loaded;
  const seen = `Chromium loaded ${JSON.stringify(loaded)}`;
  assert.equal(failed, [], seen);
  assert.equal(images.map((image) => image.alt), ['A mountain lake at sunset', 'An icon from public/', 'A static import'], seen);
  for (const image of images) assert.ok(image.complete && image.naturalWidth > 0, `${image.alt} did not load: ${seen}`);
  const [photo, icon, logo] = images;
  // Every candidate of the photo comes from the edge, labelled with the width it decodes at.
  const candidates = photo.srcset.split(', ').map((entry) => entry.split(' '));
  assert.equal(candidates.map(([, label]) => label), ['640w', '750w', '828w', '1080w', '1200w'], `the docs' deviceSizes, and imageSizes [] adds none: ${seen}`);
  for (const [url, label] of candidates) {
    assert.match(url, new RegExp(`^${sample.url}/dev/photo\\.jpg\\?w=\\d+(&q=\\d+)?$`), seen);
    assert.is(await decodedWidth(url), Number(label.slice(0, -1)), `${url} is as wide as its label`);
  }
  // A 640px slot at DPR 2 wants 1280 pixels: no candidate has them, so Chromium takes the widest.
  assert.is(photo.currentSrc, candidates[4][0], seen);
  assert.is(icon.currentSrc, `${site}/icon.png`, seen);
  assert.is(icon.srcset, '/icon.png 1x', `public/ files keep their path: ${seen}`);
  assert.is(icon.naturalWidth, 64, seen);
  assert.match(logo.currentSrc, new RegExp(`^${site}/_next/static/media/logo\\.[^/]+\\.png$`), seen);
  assert.is(logo.naturalWidth, 240, seen);
}

if (existsSync(CHROMIUM)) {
  nextApp('next dev: the photo from the edge, the public/ image and the static import from Next, all loaded', async ({ sample, browser }) => {
    rmSync(path.join(app, '.next'), { recursive: true, force: true });
    const server = await serve('dev');
    try {
      await assertAllLoaded(await loadAll(browser, server.url), sample, server.url);
      assert.not.match(server.output(), /⨯|Unhandled|TypeError/, server.output());
      // What docs/client.md tells the reader to expect, and no more.
      assert.match(server.output(), /Image with src "\/icon\.png" has a "loader" property that does not implement width/, server.output());
    } finally {
      await server.stop();
    }
  });

  nextApp('next dev without .env (the CDN\'s URL in .env.production only): a 500 whose one line names what is missing, no "Cannot read properties of undefined"', async () => {
    // After the test above: .next holds its compiled page, so this server starts warm.
    const env = readFileSync(path.join(app, '.env'), 'utf8');
    rmSync(path.join(app, '.env'));
    writeFileSync(path.join(app, '.env.production'), env);
    try {
      const server = await serve('dev', (status) => status >= 200);
      try {
        assert.is(server.first.status, 500, server.output());
        assert.match(server.output(), /fetchInfo needs the CDN's absolute URL like "https:\/\/images\.example\.com" \(the distribution's domain, or your own\), got nothing/, server.output());
        assert.not.match(server.output(), /Cannot read properties/, server.output());
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(path.join(app, '.env.production'));
      writeFileSync(path.join(app, '.env'), env);
    }
  });

  nextApp('next build, then next start: prerendered with the edge\'s info, every image loaded', async ({ sample, browser }) => {
    rmSync(path.join(app, '.next'), { recursive: true, force: true });
    // Not spawnSync: the build's prerender asks the local edge, which answers from this process.
    const built = await run(['build']);
    assert.is(built.status, 0, `${built.stdout}\n${built.stderr}`);
    assert.match(built.stdout, /○ \/\s/, 'the page is prerendered (static) at build time');
    const server = await serve('start');
    try {
      await assertAllLoaded(await loadAll(browser, server.url), sample, server.url);
      const html = await (await fetch(server.url + '/')).text();
      assert.match(html, /width="640" height="427"/, 'the photo\'s size from fetchInfo at build time');
    } finally {
      await server.stop();
    }
  });
}

nextApp.run();
