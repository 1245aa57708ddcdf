// The resizer's config, read once: the baked config plus the S3 settings that only exist
// outside AWS (tests and the local edge pass them in; at the edge there are none).
import { bakedConfig } from '../../shared/baked-config';
import type { Config } from '../../shared/config';
import { deepFreeze } from '../../shared/freeze';
import type { S3Credentials } from '../../shared/s3-client';

export interface ResizerConfig extends Config {
  readonly s3: {
    /** Path-style S3-compatible endpoint, for s3rver; undefined means AWS. */
    readonly endpoint?: string;
    /** Bucket to read instead of the one named by the event's origin. */
    readonly bucket?: string;
    /** Undefined: the SDK's default chain (the function's role at the edge). */
    readonly credentials?: S3Credentials;
  };
}

export type S3Overrides = ResizerConfig['s3'];

export function resizerConfig(config: Config, s3: S3Overrides = {}): ResizerConfig {
  return deepFreeze({ ...config, s3: { ...s3 } });
}

export const runtimeConfig: ResizerConfig = resizerConfig(bakedConfig);
