// The SDK client factory for the tools around the resizer (the local edge's S3 origin, the
// embedded S3 server's seeding, tests and bench), so the settings that make S3-compatible
// servers work (path style, checksums) are decided in one place. The resizer itself reads
// through shared/s3-reader.ts and never loads the SDK. Credentials are passed in, never written
// to the environment; undefined means the SDK's default chain (the standard AWS_* variables).
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Credentials } from './s3-reader';

export type { S3Credentials };

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
