// The resizer's config, read once: the baked config plus the S3 settings: at the edge the
// function role's credentials from Lambda's reserved variables; tests and the local edge pass
// an endpoint, a bucket and credentials in.
import { bakedConfig } from '../../shared/baked-config';
import type { Config } from '../../shared/config';
import { deepFreeze } from '../../shared/freeze';
import { credentialsFromEnvironment, type S3Credentials } from '../../shared/s3-reader';

export interface ResizerConfig extends Config {
  readonly s3: {
    /** Path-style S3-compatible endpoint, for s3rver; undefined means AWS. */
    readonly endpoint?: string;
    /** Bucket to read instead of the one named by the event's origin. */
    readonly bucket?: string;
    /** Undefined: the function role's, from Lambda's reserved environment variables. */
    readonly credentials?: S3Credentials;
  };
}

export type S3Overrides = ResizerConfig['s3'];

/** The role's credentials, read once per container; Lambda keeps them valid for its life. */
const roleCredentials = credentialsFromEnvironment(process.env);

export function resizerConfig(config: Config, s3: S3Overrides = {}): ResizerConfig {
  return deepFreeze({ ...config, s3: { ...s3, credentials: s3.credentials || roleCredentials } });
}

export const runtimeConfig: ResizerConfig = resizerConfig(bakedConfig);
