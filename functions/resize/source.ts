// Reading originals from S3 through the one S3 reader (shared/s3-reader.ts): a SigV4-signed GET
// over a kept-alive connection, no SDK on the hot path.
import { resizerError } from '../../shared/errors';
import { s3Read, type S3Credentials } from '../../shared/s3-reader';

export interface SourceLocation {
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
  readonly endpoint?: string;
  /** At the edge: the function role's, from Lambda's reserved variables (runtime-config.ts). */
  readonly credentials?: S3Credentials;
}

export const S3_MAX_ATTEMPTS = 2;
export const S3_CONNECTION_TIMEOUT_MS = 1000;
export const S3_REQUEST_TIMEOUT_MS = 3000;

/** Fetches the original. A too-large object is refused before its body is read. */
export async function fetchSource(location: SourceLocation, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
  return (await fetchObject(location, maxBytes, signal))!.bytes;
}

/**
 * Fetches an object with its ETag; with `ifNoneMatch`, null when S3 answers 304 (the copy the
 * caller holds is current: a watermark's overlay). A too-large object is refused before its
 * body is read.
 */
export async function fetchObject(location: SourceLocation, maxBytes: number, signal?: AbortSignal, ifNoneMatch?: string): Promise<{ bytes: Buffer; etag?: string } | null> {
  if (!location.credentials) throw new Error(`no credentials to read s3://${location.bucket}/${location.key}: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set and none were passed in`);
  // One retry (two attempts) for S3's transient 500/503 and for a connection that failed or
  // went silent; a 403 or 404 is not retried. Timeouts per attempt: 1 s to connect, 3 s of
  // socket silence. Both attempts together (about 7 s at worst) stay inside the invocation's
  // deadline, which also aborts the request through its signal (docs, "Faults").
  let answer;
  try {
    answer = await s3Read(location, {
      credentials: location.credentials,
      maxAttempts: S3_MAX_ATTEMPTS,
      timeouts: { connectionMs: S3_CONNECTION_TIMEOUT_MS, requestMs: S3_REQUEST_TIMEOUT_MS },
      signal,
      maxBytes,
      tooLarge: (bytes) => resizerError(422, 'source_too_large', `source must be at most ${maxBytes} bytes (maxInputBytes), got ${bytes}`),
      headers: ifNoneMatch ? { 'if-none-match': ifNoneMatch } : undefined,
    });
  } catch (error) {
    if (ifNoneMatch && (error as { status?: number }).status === 304) return null;
    throw error;
  }
  const etag = answer.headers.etag;
  return { bytes: answer.body, etag: typeof etag === 'string' ? etag : undefined };
}

/** Bucket and region from an S3 origin's domain name: bucket.s3.region.amazonaws.com and older forms. */
export function bucketFromDomain(domainName: string): { bucket: string; region?: string } | null {
  const match = /^(.+?)\.s3(?:[.-]([a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$/.exec(domainName);
  if (!match) return null;
  const region = match[2] && match[2] !== 'dualstack' ? match[2] : undefined;
  return { bucket: match[1], region };
}
