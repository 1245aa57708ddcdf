// The local edge over a real s3rver seeded with the sample bucket (examples/bucket) and any
// extra files a suite generates, with the given config keys replaced.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalEdge, type EdgeFunctions, type LocalEdge } from '../../infra/local/edge';
import type { ViewerRuntime } from '../../infra/local/rules';
import { contentTypeOf, S3RVER_CREDENTIALS, startEmbeddedS3, type EmbeddedS3 } from '../../infra/local/s3-server';
import { configWith } from './config';

export const SAMPLE_BUCKET = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/bucket');
const BUCKET = 'local-originals';

export interface SampleEdge {
  readonly s3: EmbeddedS3;
  readonly edge: LocalEdge;
  /** The edge's URL. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startSampleEdge(options: {
  config?: Record<string, unknown>;
  /** Extra objects: key to bytes. */
  files?: Record<string, Buffer>;
  viewerRuntime?: ViewerRuntime;
  /** Stand-ins for built functions. */
  functions?: EdgeFunctions;
} = {}): Promise<SampleEdge> {
  const s3 = await startEmbeddedS3();
  await s3.seed(BUCKET, SAMPLE_BUCKET);
  for (const [key, bytes] of Object.entries(options.files || {})) {
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes, ContentType: contentTypeOf(key) }));
  }
  const edge = await createLocalEdge({
    config: configWith(options.config),
    s3: { endpoint: s3.endpoint, bucket: BUCKET, region: 'us-east-1', credentials: S3RVER_CREDENTIALS },
    port: 0,
    viewerRuntime: options.viewerRuntime,
    functions: options.functions,
    log: () => undefined,
  });
  return { s3, edge, url: edge.url, close: async () => { await edge.close(); await s3.stop(); } };
}
