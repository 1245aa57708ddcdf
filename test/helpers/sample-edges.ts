// Local edges over the sample bucket in a real s3rver, one per normalizer build, for the tests
// that send many requests (hostile, load). A config other than the project's gets its own
// normalizer bundles, built into a temporary folder beside the shared dist/resize.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalEdge, type LocalEdge } from '../../infra/local/edge';
import type { ViewerRuntime } from '../../infra/local/rules';
import { S3RVER_CREDENTIALS, startEmbeddedS3, type EmbeddedS3 } from '../../infra/local/s3-server';
import { buildNormalizers } from '../../scripts/build';
import type { Config } from '../../shared/config';
import { KEY_VALUE_STORE_KEY } from '../../shared/signing';
import { distDir } from './bundles';

export const SAMPLE_BUCKET = 'local-originals';
export const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/bucket');
export const RUNTIMES: readonly ViewerRuntime[] = ['lambda-edge', 'cloudfront-function'];

export async function startSampleS3(): Promise<EmbeddedS3> {
  const s3 = await startEmbeddedS3();
  await s3.seed(SAMPLE_BUCKET, SAMPLES);
  return s3;
}

export interface EdgePair {
  readonly edges: ReadonlyArray<readonly [ViewerRuntime, LocalEdge]>;
  close(): Promise<void>;
}

/**
 * Both builds over `s3`. With `build`, the normalizers are built for `config` (and the signing
 * keys: baked into the Lambda@Edge build, the CloudFront Function's emulated KeyValueStore).
 */
export async function startEdgePair(s3: EmbeddedS3, config: Config, options: { build?: boolean; signingKeys?: readonly string[]; log?: (line: string) => void } = {}): Promise<EdgePair> {
  const keys = options.signingKeys || [];
  let dir: string | undefined;
  if (options.build) {
    dir = mkdtempSync(path.join(tmpdir(), 'edge-pair-'));
    await buildNormalizers(config, keys, dir);
    symlinkSync(path.join(distDir, 'resize'), path.join(dir, 'resize'));
  }
  const s3Options = { endpoint: s3.endpoint, bucket: SAMPLE_BUCKET, region: 'us-east-1', credentials: S3RVER_CREDENTIALS };
  const edges: Array<readonly [ViewerRuntime, LocalEdge]> = [];
  for (const runtime of RUNTIMES) {
    edges.push([runtime, await createLocalEdge({
      config, s3: s3Options, port: 0, viewerRuntime: runtime, distDir: dir, log: options.log || (() => undefined),
      keyValueStore: keys.length ? { [KEY_VALUE_STORE_KEY]: keys.join('\n') } : undefined,
    })]);
  }
  return {
    edges,
    close: async () => {
      for (const [, edge] of edges) await edge.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
