// The one S3 client factory: the resizer's source reads, the local edge's S3 origin and the
// embedded S3 server all build their clients here, so the settings that make S3-compatible
// servers work (path style, checksums) and the credentials are decided in one place.
// Credentials are passed in, never written to the environment; undefined means the SDK's
// default chain (Lambda's role at the edge, the standard AWS_* variables elsewhere).
import { S3Client } from '@aws-sdk/client-s3';

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3ClientSettings {
  readonly region: string;
  /** Path-style endpoint of an S3-compatible server (s3rver); undefined means AWS. */
  readonly endpoint?: string;
  /** Undefined: the SDK's default credential chain. */
  readonly credentials?: S3Credentials;
  /** The SDK's attempts per call, first one included. */
  readonly maxAttempts: number;
  /** Per attempt: to connect, and of socket silence once connected. Default: the SDK's (none). */
  readonly timeouts?: { readonly connectionMs: number; readonly requestMs: number };
}

export function createS3Client(settings: S3ClientSettings): S3Client {
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.endpoint !== undefined,
    credentials: settings.credentials && { ...settings.credentials },
    maxAttempts: settings.maxAttempts,
    requestHandler: settings.timeouts && { connectionTimeout: settings.timeouts.connectionMs, requestTimeout: settings.timeouts.requestMs, throwOnRequestTimeout: true },
    // The default checksum mode makes S3-compatible servers such as s3rver store streamed
    // uploads corrupted, and buys nothing for reads that sharp validates anyway.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
