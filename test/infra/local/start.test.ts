// npm start: its settings, and the real command started as a process: one clear line and exit
// code 1 for each startup problem, a folder of originals served on PORT, a clean SIGTERM.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startEmbeddedS3 } from '../../../infra/local/s3-server';
import { exampleUrls, readSettings } from '../../../infra/local/start';
import { decode, gradient } from '../../helpers/images';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const start = suite<{ folder: string }>('npm start', { folder: '' });

start.before((context) => {
  context.folder = mkdtempSync(path.join(os.tmpdir(), 'start-test-'));
});

start.after((context) => {
  rmSync(context.folder, { recursive: true, force: true });
});

start('settings: defaults, PORT+1 for the demo page, paths against the working folder', () => {
  assert.equal(readSettings({}, '/repo'), {
    port: 3000, demoPort: 3001, bucketDir: '/repo/examples/bucket', s3Endpoint: undefined, s3Bucket: 'local-originals', s3Credentials: undefined, region: 'us-east-1', viewerRuntime: undefined,
  });
  const custom = readSettings({ PORT: '4100', BUCKET_DIR: 'photos', RESIZER_VIEWER: 'cloudfront-function', AWS_REGION: 'eu-west-1' }, '/repo');
  assert.equal([custom.port, custom.demoPort, custom.bucketDir, custom.viewerRuntime, custom.region], [4100, 4101, '/repo/photos', 'cloudfront-function', 'eu-west-1']);
  const external = readSettings({ S3_ENDPOINT: 'http://127.0.0.1:9000', S3_BUCKET: 'originals', DEMO_PORT: '8080', AWS_ACCESS_KEY_ID: 'K', AWS_SECRET_ACCESS_KEY: 'S' }, '/repo');
  assert.equal([external.s3Endpoint, external.s3Bucket, external.demoPort, external.s3Credentials], ['http://127.0.0.1:9000', 'originals', 8080, { accessKeyId: 'K', secretAccessKey: 'S' }]);
});

const BAD_SETTINGS: Array<[Record<string, string>, RegExp]> = [
  [{ PORT: 'abc' }, /^PORT must be a port number from 1 to 65535, got "abc"$/],
  [{ PORT: '70000' }, /^PORT must be a port number/],
  [{ DEMO_PORT: '0' }, /^DEMO_PORT must be a port number/],
  [{ RESIZER_VIEWER: 'lambda' }, /^RESIZER_VIEWER must be one of lambda-edge, cloudfront-function, got "lambda"$/],
  [{ S3_ENDPOINT: 'http://127.0.0.1:9000' }, /^S3_ENDPOINT is set but S3_BUCKET is not/],
  [{ S3_ENDPOINT: 'http://127.0.0.1:9000', S3_BUCKET: 'b' }, /^S3_ENDPOINT is set but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not/],
];

start('settings: each bad variable is one specific line', () => {
  for (const [env, message] of BAD_SETTINGS) assert.throws(() => readSettings(env, '/repo'), message, JSON.stringify(env));
});

start('the URLs to try prefer the samples and fall back to what the bucket holds', () => {
  const samples = ['dev/guide.pdf', 'dev/photo.jpg', 'dev/thumbnail.png', 'prod/thumbnail.png', 'thumbnail.png'];
  assert.equal(exampleUrls('http://localhost:3000', samples, ['dev/*', 'prod/*']), [
    'http://localhost:3000/dev/thumbnail.png?w=200&h=150&f=webp&q=90',
    'http://localhost:3000/thumbnail.png',
  ]);
  assert.equal(exampleUrls('http://localhost:4100', ['prod/a b.jpg', 'notes.txt'], ['dev/*', 'prod/*']), [
    'http://localhost:4100/prod/a%20b.jpg?w=200&h=150&f=webp&q=90',
    'http://localhost:4100/prod/a%20b.jpg',
  ]);
  assert.equal(exampleUrls('http://localhost:3000', ['notes.txt'], ['dev/*']), []);
});

interface Run { code: number | null; stdout: string; stderr: string }

/** Starts `npm start`'s script; resolves when it exits, or calls `ready` once it is serving. */
function runStart(env: Record<string, string>, ready?: (stdout: string, stop: () => void) => Promise<void>): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_OPTIONS;
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let started = false;
  const killer = setTimeout(() => child.kill('SIGKILL'), 60000);
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (ready && !started && stdout.includes('Ctrl+C stops')) {
        started = true;
        ready(stdout, () => child.kill('SIGTERM')).catch((error) => { child.kill('SIGKILL'); reject(error); });
      }
    });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function assertOneLineFailure(run: Run, message: RegExp): void {
  assert.is(run.code, 1, `exit code (stderr: ${run.stderr})`);
  const lines = run.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line on stderr, got:\n${run.stderr}`);
  assert.match(lines[0], message);
}

start('a missing BUCKET_DIR is one line and exit code 1', async () => {
  assertOneLineFailure(await runStart({ BUCKET_DIR: '/nonexistent/originals' }), /^npm start: BUCKET_DIR \/nonexistent\/originals does not exist/);
});

start('a bad config is one line naming the key, and exit code 1', async ({ folder }) => {
  const file = path.join(folder, 'bad.config.json');
  writeFileSync(file, JSON.stringify({ maxDimension: 0 }));
  assertOneLineFailure(await runStart({ RESIZER_CONFIG: file }), /^npm start: config file .*bad\.config\.json: config key maxDimension must be an integer from 1 to 16383, got 0$/);
  writeFileSync(file, '{ not json');
  assertOneLineFailure(await runStart({ RESIZER_CONFIG: file }), /^npm start: config file .*bad\.config\.json is not readable JSON/);
});

start('a port in use is one line and exit code 1', async () => {
  const blocker = http.createServer();
  const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as AddressInfo).port)));
  try {
    assertOneLineFailure(await runStart({ PORT: String(port) }), new RegExp(`^npm start: port ${port} is in use`));
  } finally {
    blocker.close();
  }
});

start('PORT and BUCKET_DIR serve any folder; SIGTERM stops cleanly', async ({ folder }) => {
  const originals = path.join(folder, 'originals');
  mkdirSync(path.join(originals, 'prod'), { recursive: true });
  writeFileSync(path.join(originals, 'prod', 'a b.jpg'), await gradient(160, 120));
  writeFileSync(path.join(originals, 'notes.txt'), 'plain text');
  const port = await freePort();
  const demoPort = await freePort();
  const run = await runStart({ PORT: String(port), DEMO_PORT: String(demoPort), BUCKET_DIR: originals }, async (stdout, stop) => {
    assert.match(stdout, `http://localhost:${port}/prod/a%20b.jpg?w=200&h=150&f=webp&q=90`);
    const variant = await fetch(`http://127.0.0.1:${port}/prod/a%20b.jpg?w=40&f=png`);
    const decoded = await decode(Buffer.from(await variant.arrayBuffer()));
    assert.equal([variant.status, decoded.format, decoded.width, decoded.height], [200, 'png', 40, 30]);
    assert.is(await (await fetch(`http://127.0.0.1:${port}/notes.txt`)).text(), 'plain text');
    assert.match(await (await fetch(`http://127.0.0.1:${demoPort}/`)).text(), `content="http://localhost:${port}"`);
    stop();
  });
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /GET \/prod\/a%20b\.jpg\?w=40&f=png 200 Miss from cloudfront \d+ms/);
  assert.match(run.stdout, /SIGTERM: stopping/);
  assert.is(run.stderr, '');
});

start('a BUCKET_DIR file whose name the embedded S3 cannot store is skipped with one line; its temporary folder is always removed', async ({ folder }) => {
  const originals = path.join(folder, 'long-names');
  mkdirSync(path.join(originals, 'dev'), { recursive: true });
  const longName = `${'n'.repeat(246)}.jpg`;
  // At the root: the default behaviour, whose normalizer refuses the name before S3 (every behaviour runs it).
  writeFileSync(path.join(originals, longName), await gradient(40, 30));
  writeFileSync(path.join(originals, 'dev', 'short.jpg'), await gradient(40, 30));
  // A private temporary folder, so that only this start's S3 folder can appear in it.
  const tmp = path.join(folder, 'tmp');
  mkdirSync(tmp);
  const port = await freePort();
  const run = await runStart({ PORT: String(port), DEMO_PORT: String(await freePort()), BUCKET_DIR: originals, TMPDIR: tmp }, async (stdout, stop) => {
    assert.is(readdirSync(tmp).filter((name) => name.startsWith('local-edge-s3-')).length, 1, 'the embedded S3 keeps its objects in the temporary folder');
    const short = await fetch(`http://127.0.0.1:${port}/dev/short.jpg?w=20&f=png`);
    assert.is(short.status, 200);
    assert.is((await fetch(`http://127.0.0.1:${port}/${longName}`)).status, 400, 'the path rules refuse the name on every behaviour');
    stop();
  });
  assert.is(run.code, 0, run.stderr);
  const skipped = run.stdout.split('\n').filter((line) => line.includes('skipped'));
  assert.is(skipped.length, 1, run.stdout);
  assert.match(skipped[0], /^BUCKET_DIR: skipped "n+\.\.\.": a path segment is 250 bytes, over the 233 the embedded S3 server can store$/);
  const s3Folders = () => readdirSync(tmp).filter((name) => name.startsWith('local-edge-s3-'));
  assert.equal(s3Folders(), [], 'the temporary S3 folder is gone after SIGTERM');

  const blocker = http.createServer();
  const busy = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as AddressInfo).port)));
  try {
    const failed = await runStart({ PORT: String(busy), BUCKET_DIR: originals, TMPDIR: tmp });
    assert.is(failed.code, 1);
    assert.equal(s3Folders(), [], 'and after a startup failure once the S3 server was running');
  } finally {
    blocker.close();
  }
});

start('S3_ENDPOINT uses another S3-compatible server, credentials from the AWS variables', async ({ folder }) => {
  const s3 = await startEmbeddedS3();
  try {
    const originals = path.join(folder, 'external');
    mkdirSync(path.join(originals, 'dev'), { recursive: true });
    writeFileSync(path.join(originals, 'dev', 'wide.jpg'), await gradient(200, 100));
    await s3.seed('external-originals', originals);
    const port = await freePort();
    const run = await runStart({
      PORT: String(port), DEMO_PORT: String(await freePort()), BUCKET_DIR: '/nonexistent/not-used',
      S3_ENDPOINT: s3.endpoint, S3_BUCKET: 'external-originals', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER',
    }, async (stdout, stop) => {
      assert.match(stdout, `origin      ${s3.endpoint}, bucket external-originals`);
      const variant = await fetch(`http://127.0.0.1:${port}/dev/wide.jpg?w=50&f=webp`);
      const decoded = await decode(Buffer.from(await variant.arrayBuffer()));
      assert.equal([variant.status, decoded.format, decoded.width, decoded.height], [200, 'webp', 50, 25]);
      stop();
    });
    assert.is(run.code, 0, run.stderr);
  } finally {
    await s3.stop();
  }
});

start.run();
