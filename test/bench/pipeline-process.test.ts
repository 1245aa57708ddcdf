// npm run bench runs each pipeline of the resize comparison in processes of its own, timing
// its own calls (bench/pipeline-child.ts). Through real child processes over s3rver: the floor's
// process makes the bytes floorTransform makes here, ours' process (the built bundle) makes a
// variant of the asked size and format, the least-miss process (our reader's GET, a header read,
// the floor's sharp call) makes the floor's bytes, the fastest-encoder process the same with the
// format's fastest encoder, each reports its own timing, and a call that
// fails in the child fails the bench rather than hanging it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { caseSpec, fastestTransform, floorDecoding, floorTransform, GEOMETRIES, type CaseSpec } from '../../bench/pipelines';
import { startPipelineProcess, type PipelineProcess } from '../../bench/pipeline-process';
import { photoLike } from '../helpers/images';
import { startS3, type LocalS3 } from '../helpers/s3';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUCKET = 'pipeline-processes';
interface Context { s3: LocalS3; source: Buffer; ours: PipelineProcess; floor: PipelineProcess; least: PipelineProcess; fastest: PipelineProcess }
const processes = suite<Context>('bench: pipelines in processes of their own', {} as never);

const geometry = GEOMETRIES[0]; // 200x150 cover
async function spec(source: Buffer, key: string): Promise<CaseSpec> {
  return caseSpec(key, 'image/jpeg', geometry, 'webp', geometry.width * geometry.height!, await floorDecoding(source));
}

processes.before(async (context) => {
  context.s3 = await startS3();
  await context.s3.createBucket(BUCKET);
  context.source = await photoLike(800, 600);
  await context.s3.put(BUCKET, 'prod/photo.jpg', context.source, 'image/jpeg');
  const setup = { root, bucket: BUCKET, s3: context.s3.resizerS3 };
  [context.ours, context.floor, context.least, context.fastest] = await Promise.all([
    startPipelineProcess('ours', setup, 'defaults'), startPipelineProcess('floor', setup, 'settled'),
    startPipelineProcess('least', setup, 'defaults'), startPipelineProcess('fastest', setup, 'defaults'),
  ]);
});

processes.after(async (context) => {
  context.ours?.stop();
  context.floor?.stop();
  context.least?.stop();
  context.fastest?.stop();
  await context.s3?.stop();
});

processes('the floor\'s process makes the bytes floorTransform makes in this one, and times its two parts', async ({ source, floor }) => {
  const asked = await spec(source, 'prod/photo.jpg');
  const made = await floor.run(asked);
  assert.ok(made.bytes.equals(await floorTransform(source, geometry, 'webp', asked.pixels, asked.decoding)), 'same bytes');
  assert.ok(made.parts && made.parts.get > 0 && made.parts.sharp > 0, `parts ${JSON.stringify(made.parts)}`);
  assert.ok(made.cpuMs > 0 && made.ms > 0, `timed ${made.ms} ms, ${made.cpuMs} ms CPU`);
});

processes('the least-miss process reads through our reader and makes the bytes floorTransform makes here', async ({ source, least }) => {
  const asked = await spec(source, 'prod/photo.jpg');
  const made = await least.run(asked);
  assert.ok(made.bytes.equals(await floorTransform(source, geometry, 'webp', asked.pixels, asked.decoding)), 'same bytes');
  assert.ok(made.ms > 0 && made.cpuMs > 0, `timed ${made.ms} ms, ${made.cpuMs} ms CPU`);
  // Our reader's refusal, not a variant: the original is not there.
  try {
    await least.run(await spec(source, 'prod/missing.jpg'));
    assert.unreachable('a missing original made a variant');
  } catch (error) {
    assert.match((error as Error).message, /^least: S3 GET of prod\/missing\.jpg answered 404/);
  }
});

processes('the fastest-encoder process makes what fastestTransform makes here: the asked size and format, another encoding than the floor\'s', async ({ source, fastest }) => {
  const asked = await spec(source, 'prod/photo.jpg');
  const made = await fastest.run(asked);
  assert.ok(made.bytes.equals(await fastestTransform(source, geometry, 'webp', asked.decoding)), 'same bytes');
  const meta = await sharp(made.bytes).metadata();
  assert.equal([meta.format, meta.width, meta.height], ['webp', 200, 150]);
  // Effort 0, not our effort 2: another encoding of the same pixels.
  assert.not.ok(made.bytes.equals(await floorTransform(source, geometry, 'webp', asked.pixels, asked.decoding)), 'the floor\'s bytes');
  assert.ok(made.ms > 0 && made.cpuMs > 0, `timed ${made.ms} ms, ${made.cpuMs} ms CPU`);
});

processes('ours\' process answers with the built bundle: a 200x150 webp, its outcome and its own timing', async ({ source, ours }) => {
  const made = await ours.run(await spec(source, 'prod/photo.jpg'));
  const meta = await sharp(made.bytes).metadata();
  assert.equal([meta.format, meta.width, meta.height], ['webp', 200, 150]);
  assert.is(made.outcome, 'resized');
  assert.ok(made.ms > 0 && made.cpuMs > 0 && made.pageFaults >= 0, `timed ${made.ms} ms, ${made.cpuMs} ms CPU, ${made.pageFaults} faults`);
});

processes('a call that fails in the child rejects with the child\'s reason, and the process goes on answering', async ({ source, ours }) => {
  const missing = await spec(source, 'prod/missing.jpg');
  try {
    await ours.run(missing);
    assert.unreachable('a missing original answered');
  } catch (error) {
    assert.instance(error, Error);
    assert.match((error as Error).message, /^ours: the handler passed prod\/missing\.jpg\?.* through/);
  }
  const made = await ours.run(await spec(source, 'prod/photo.jpg'));
  assert.is((await sharp(made.bytes).metadata()).width, 200);
});

processes.run();
