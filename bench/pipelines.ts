// The resize comparison's four pipelines, each making one variant from s3rver, and the case they
// are given. Each runs in a process of its own (pipeline-process.ts), which times its own call;
// ours is set up in ours-runner.ts.
//   ours   the built dist/resize bundle, origin-response event in, response out (S3 GET, base64,
//          ETag and the log line included)
//   floor  the S3 GET plus bare sharp making our output (our resize kernel, encoder settings, ICC
//          decoding and jpeg flattening: floorTransform), each timed on its own
//   naive  the seed's pipeline: buffered GetObject, sharp(body).resize(w, h).toFormat(f, { quality })
//   ipx    unjs/ipx in-process, reading the same object through the SDK
// Beside ours as Lambda runs it (not in the comparison), two more lanes:
//   least    the least a miss can take with the handler's own parts: our reader's GET, one header
//            read and the floor's sharp call (least-runner.ts)
//   fastest  the same with the format's fastest encoder instead of ours (fastestTransform): the
//            least any encoder setting can take with our reader, header read, decoding and kernel
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { IPXStorage } from 'ipx';
import sharp from 'sharp';
import { canonicalQuery } from '../shared/canonical';
import { DEFAULT_CONFIG } from '../shared/config';
import { createS3Client, type S3Credentials } from '../shared/s3-client';
import { floorTransform, outputQuality as quality, type FloorDecoding } from './floor-transform';

export const PIPELINES = ['ours', 'floor', 'naive', 'ipx'] as const;
export type Pipeline = (typeof PIPELINES)[number];
/** A kind of process the bench runs: a pipeline of the comparison, or `least` or `fastest` beside ours as Lambda. */
export type Lane = Pipeline | 'least' | 'fastest';
export const FORMATS = ['webp', 'avif', 'jpeg'] as const;
export type BenchFormat = (typeof FORMATS)[number];

export interface Geometry {
  readonly label: string;
  readonly width: number;
  readonly height?: number;
}
export const GEOMETRIES: readonly Geometry[] = [
  { label: '200x150 cover', width: 200, height: 150 },
  { label: '640 wide', width: 640 },
];

export async function getObject(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await output.Body!.transformToByteArray();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export { fastestTransform, floorDecoding, floorTransform, type FloorDecoding } from './floor-transform';

function s3Storage(client: S3Client, bucket: string): IPXStorage {
  return {
    name: 's3',
    getMeta: async () => ({}),
    getData: async (id: string) => {
      const bytes = await getObject(client, bucket, id.replace(/^\/+/, ''));
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

/** One variant to make: everything a pipeline needs, plain data so it crosses to another process. */
export interface CaseSpec {
  readonly key: string;
  readonly querystring: string;
  readonly contentType: string;
  readonly geometry: Geometry;
  readonly format: BenchFormat;
  /** The output's pixels (the encoders' effort rule). */
  readonly pixels: number;
  readonly decoding: FloorDecoding;
}

/** The spec of one variant: the canonical query the normalizer would send for this geometry and format. */
export function caseSpec(key: string, contentType: string, geometry: Geometry, format: BenchFormat, pixels: number, decoding: FloorDecoding): CaseSpec {
  const raw = `w=${geometry.width}${geometry.height ? `&h=${geometry.height}` : ''}&f=${format}`;
  return { key, querystring: canonicalQuery(raw, undefined, DEFAULT_CONFIG), contentType, geometry, format, pixels, decoding };
}

/** What one call made, and, for the floor, its two parts in ms. */
export interface PipelineOutput {
  readonly bytes: Buffer;
  readonly parts?: { readonly get: number; readonly sharp: number };
  /** The handler's logged outcome (ours only). */
  readonly outcome?: string;
}

export interface PipelineSetup {
  readonly root: string;
  readonly bucket: string;
  readonly s3: { readonly endpoint: string; readonly credentials: S3Credentials };
}

export type RunCase = (spec: CaseSpec) => Promise<PipelineOutput>;

/**
 * The floor, naive or ipx, set up in the process that runs it. Ours is ours-runner.ts: its
 * process loads the built bundle and nothing of this module (sharp, the SDK, ipx), as Lambda would.
 */
export async function sharpPipelineRunner(pipeline: Exclude<Pipeline, 'ours'>, setup: PipelineSetup): Promise<RunCase> {
  const client = createS3Client({ region: 'us-east-1', endpoint: setup.s3.endpoint, credentials: setup.s3.credentials, maxAttempts: 3 });
  if (pipeline === 'floor') {
    // libvips' operation cache off, as the handler has it (functions/resize/transform.ts): the
    // floor is bare sharp with our settings. With it on, a case repeated in one process took
    // longer, not shorter (docs/performance.md, "Each pipeline in processes of its own, and a settled allocator").
    sharp.cache(false);
    return async (spec) => {
      let mark = performance.now();
      const input = await getObject(client, setup.bucket, spec.key);
      const get = performance.now() - mark;
      mark = performance.now();
      const bytes = await floorTransform(input, spec.geometry, spec.format, spec.pixels, spec.decoding);
      return { bytes, parts: { get, sharp: performance.now() - mark } };
    };
  }
  if (pipeline === 'naive') {
    return async (spec) => {
      const input = await getObject(client, setup.bucket, spec.key);
      return { bytes: await sharp(input).resize(spec.geometry.width, spec.geometry.height).toFormat(spec.format, { quality: quality(spec.format) }).toBuffer() };
    };
  }
  // Loaded here, so only ipx's process holds it.
  const { createIPX } = await import('ipx');
  const ipx = createIPX({ storage: s3Storage(client, setup.bucket) });
  return async (spec) => {
    const modifiers: Record<string, string> = { format: spec.format, quality: String(quality(spec.format)) };
    if (spec.geometry.height) modifiers.resize = `${spec.geometry.width}x${spec.geometry.height}`;
    else modifiers.w = String(spec.geometry.width);
    const { data } = await ipx(`/${spec.key}`, modifiers).process();
    return { bytes: Buffer.from(data as Buffer) };
  };
}
