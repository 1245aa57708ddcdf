// The resizer's config, read once: the baked config plus the two overrides that only exist
// outside AWS (tests and the local edge). At the edge neither variable is set.
import { bakedConfig } from '../../shared/baked-config';
import type { Config } from '../../shared/config';
import { deepFreeze } from '../../shared/freeze';

export interface ResizerConfig extends Config {
  readonly s3: {
    /** Path-style S3-compatible endpoint, for s3rver; undefined means AWS. */
    readonly endpoint?: string;
    /** Bucket to read instead of the one named by the event's origin. */
    readonly bucket?: string;
  };
}

export function resizerConfig(config: Config, env: Readonly<Record<string, string | undefined>>): ResizerConfig {
  return deepFreeze({
    ...config,
    s3: { endpoint: env.RESIZER_S3_ENDPOINT || undefined, bucket: env.RESIZER_BUCKET || undefined },
  });
}

export const runtimeConfig: ResizerConfig = resizerConfig(bakedConfig, process.env);
