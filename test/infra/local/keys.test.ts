// Issue 14 through the local edge, in both normalizer builds (each built for its config, the
// CloudFront Function whenever it fits its 10 KB), over a real s3rver: every spelling of a
// path is one cache entry or a 400; composed orientations and bg alphas hit one entry;
// presetsOnly gives the documented number of keys per preset; with signing on, an unsigned
// refusal names no allowed value. Outputs are decoded, never compared as bytes.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLocalEdge, type LocalEdge } from '../../../infra/local/edge';
import { S3RVER_CREDENTIALS, startEmbeddedS3, type EmbeddedS3 } from '../../../infra/local/s3-server';
import { buildNormalizers } from '../../../scripts/build';
import { KEY_VALUE_STORE_KEY } from '../../../shared/signing';
import { distDir } from '../../helpers/bundles';
import { configWith } from '../../helpers/config';
import { rawRequest } from '../../helpers/http';
import { decode, quadrants } from '../../helpers/images';

const BUCKET = 'local-originals';
const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/bucket');
const KEY = 'x'.repeat(40);
const PRESETS = { card: 'w=120&h=90&fit=cover', thumb: 'w=48&h=48&f=webp' };

type Edges = Array<[string, LocalEdge]>;
interface Context { s3: EmbeddedS3; dirs: string[]; plain: Edges; presets: Edges; densities: Edges; signed: Edges }
const keys = suite<Context>('issue 14 through the local edge', { dirs: [] } as unknown as Context);

async function edgesFor(context: Context, overrides: Record<string, unknown>): Promise<Edges> {
  const config = configWith(overrides);
  const dir = mkdtempSync(path.join(tmpdir(), 'keys-edge-'));
  context.dirs.push(dir);
  await buildNormalizers(configWith({ ...overrides, deploy: { normalizer: 'lambda-edge' } }), config.signing.enabled ? [KEY] : [], dir);
  symlinkSync(path.join(distDir, 'resize'), path.join(dir, 'resize'));
  const s3 = { endpoint: context.s3.endpoint, bucket: BUCKET, region: 'us-east-1', credentials: S3RVER_CREDENTIALS };
  const common = { config, s3, port: 0, log: () => undefined, distDir: dir };
  const edges: Edges = [['lambda@edge', await createLocalEdge({ ...common, viewerRuntime: 'lambda-edge' })]];
  try {
    edges.push(['cloudfront-function', await createLocalEdge({ ...common, viewerRuntime: 'cloudfront-function', keyValueStore: { [KEY_VALUE_STORE_KEY]: KEY } })]);
  } catch (error) {
    // Over its 10 KB with this config until issue 14 item 7 lands: the local edge refuses it, as CloudFront would.
    assert.match(String(error), /10240-byte CloudFront Functions limit/);
  }
  return edges;
}

const consoleLog = console.log;
keys.before(async (context) => {
  console.log = () => undefined;
  context.s3 = await startEmbeddedS3();
  await context.s3.seed(BUCKET, SAMPLES);
  await context.s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dev/a b+(1)é.png', Body: await quadrants(60, 40), ContentType: 'image/png' }));
  context.plain = await edgesFor(context, {});
  context.presets = await edgesFor(context, { presets: PRESETS, presetsOnly: true });
  context.densities = await edgesFor(context, { presets: PRESETS, presetsOnly: true, densities: [1, 2] });
  context.signed = await edgesFor(context, { presets: PRESETS, presetsOnly: true, signing: { enabled: true } });
});

keys.after(async (context) => {
  for (const edges of [context.plain, context.presets, context.densities, context.signed]) for (const [, server] of edges || []) await server.close();
  await context.s3?.stop();
  for (const dir of context.dirs) rmSync(dir, { recursive: true, force: true });
  console.log = consoleLog;
});

/** A raw request line, so the path reaches the edge exactly as spelled. */
async function get(server: LocalEdge, target: string, accept = 'image/png') {
  const answer = await rawRequest(server.port, 'GET', target, [['Accept', accept]]);
  return { status: answer.status, xCache: answer.headers['x-cache'] as string | undefined, body: answer.body };
}

keys('every spelling of a path is one cache entry or a 400, in both builds', async ({ plain }) => {
  for (const [runtime, server] of plain) {
    const width = runtime === 'lambda@edge' ? 61 : 62;
    const first = await get(server, `/dev/photo.jpg?w=${width}&f=webp`);
    assert.equal([first.status, first.xCache], [200, 'Miss from cloudfront'], runtime);
    for (const spelling of ['/dev/phot%6f.jpg', '/dev/photo%2Ejpg', '/dev/%70hoto.jpg', '/dev/%70%68%6F%74%6f%2ejpg']) {
      const again = await get(server, `${spelling}?f=webp&w=${width}`);
      assert.equal([again.status, again.xCache], [200, 'Hit from cloudfront'], `${runtime} ${spelling}`);
      assert.is((await decode(again.body)).width, width);
    }
    // A key that needs escaping: S3 reads a raw + as a space, so %2B is the plus.
    const key = `/dev/a%20b%2B(1)%C3%A9.png?w=${width - 30}&f=png`;
    assert.equal((await get(server, key)).xCache, 'Miss from cloudfront', `${runtime} ${key}`);
    for (const spelling of ['/dev/a+b%2b%281%29%c3%a9.png', '/dev/a%20b%2B%281%29%C3%A9.png', '/dev/%61%20%62%2B(1)%C3%A9.png']) {
      const again = await get(server, `${spelling}?f=png&w=${width - 30}`);
      assert.equal([again.status, again.xCache], [200, 'Hit from cloudfront'], `${runtime} ${spelling}`);
    }
    // Originals too: the bare key is one entry.
    assert.equal((await get(server, '/dev/a%20b%2B(1)%C3%A9.png')).status, 200);
    assert.equal((await get(server, '/dev/a+b%2b%281%29%c3%a9.png')).xCache, 'Hit from cloudfront', `${runtime} original`);
    for (const [refused, line] of [
      ['//dev/photo.jpg', 'the path must not contain // or end in /'],
      ['/dev//photo.jpg', 'the path must not contain // or end in /'],
      ['/dev/photo.jpg%2F', 'the path must not contain %2F, %5C or \\'],
      ['/dev/x%2f..%2Fphoto.jpg', 'the path must not contain %2F, %5C or \\'],
      ['/dev/photo%5cjpg', 'the path must not contain %2F, %5C or \\'],
    ]) {
      const answer = await get(server, `${refused}?w=${width}&f=webp`);
      assert.is(answer.status, 400, `${runtime} ${refused}`);
      assert.ok(answer.body.toString().startsWith(line), `${runtime} ${refused}: ${answer.body}`);
    }
  }
});

keys('composed orientations and bg alphas hit one entry, and look as asked', async ({ plain }) => {
  for (const [runtime, server] of plain) {
    const w = runtime === 'lambda@edge' ? 31 : 32;
    for (const group of [
      [`?w=${w}&f=png&rot=90&flip=hv`, `?w=${w}&f=png&rot=270`, `?rot=-90&f=png&w=${w}`, `?w=${w}&f=png&flip=vh&rot=90`],
      [`?w=${w}&f=png&rot=90&flip=v`, `?w=${w}&f=png&rot=270&flip=h`, `?flip=h&w=${w}&rot=-90&f=png`],
      [`?w=${w}&f=png&flip=hv`, `?w=${w}&f=png&rot=180`],
      [`?w=${w}&h=20&fit=contain&f=jpeg&bg=ff000000`, `?w=${w}&h=20&fit=contain&f=jpeg&bg=F00`, `?w=${w}&h=20&fit=contain&f=jpg&bg=ff000080`],
    ]) {
      const answers = [];
      for (const query of group) answers.push(await get(server, `/dev/a%20b%2B(1)%C3%A9.png${query}`));
      assert.equal(answers.map((a) => a.xCache), ['Miss from cloudfront', ...group.slice(1).map(() => 'Hit from cloudfront')], `${runtime} ${group.join(' ')}`);
      const decoded = await decode(answers[0].body);
      assert.is(decoded.width, w, `${runtime} ${group[0]}`);
    }
  }
});

/** Distinct cache entries one preset makes over many dpr values and Accepts: the misses. */
async function keysPerPreset(server: LocalEdge, preset: string, salt: string): Promise<number> {
  let misses = 0;
  for (const dpr of ['', '1', '1.01', '1.3', '1.5', '2', '2.2', '2.9', '3', '3.5', '4', '9']) {
    for (const accept of ['image/webp,*/*', 'image/png', 'image/avif,image/webp']) {
      const answer = await get(server, `/dev/photo.jpg?p=${preset}${dpr && `&dpr=${dpr}`}&utm=${salt}`, accept);
      assert.is(answer.status, 200, `${preset} dpr=${dpr} ${accept}`);
      if (answer.xCache === 'Miss from cloudfront') misses++;
    }
  }
  return misses;
}

keys('presetsOnly: keys per preset are (densities, or 1, 2 and 3) x (formats f=auto can pick), as documented', async ({ presets, densities }) => {
  for (const [runtime, server] of presets) {
    // card: 3 densities x (webp, source); thumb fixes f=webp: 3 x 1.
    assert.is(await keysPerPreset(server, 'card', runtime), 6, `${runtime} card without densities`);
    assert.is(await keysPerPreset(server, 'thumb', runtime), 3, `${runtime} thumb without densities`);
  }
  for (const [runtime, server] of densities) {
    assert.is(await keysPerPreset(server, 'card', runtime), 4, `${runtime} card with densities [1, 2]`);
    assert.is(await keysPerPreset(server, 'thumb', runtime), 2, `${runtime} thumb with densities [1, 2]`);
  }
});

keys('signing on: an unsigned request is refused naming no parameter, allowed value or preset', async ({ signed }) => {
  for (const [runtime, server] of signed) {
    for (const query of ['f=__proto__', 'p=zzz', 'w=abc', 'w=100', 'fit=stretch', 'p=card&f=bmp', '%ZZ=1']) {
      const answer = await get(server, `/dev/photo.jpg?${query}`);
      assert.equal([answer.status, answer.body.toString()], [403, 'sig is missing: this URL must be signed\n'], `${runtime} ?${query}`);
      for (const secret of ['card', 'thumb', 'one of', 'jpeg']) assert.not.ok(answer.body.toString().includes(secret), `${runtime} ?${query} names ${secret}`);
    }
  }
});

keys.run();
