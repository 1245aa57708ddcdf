// Reading originals from S3: one client per region and endpoint, kept for the container's life.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { resizerError } from '../../shared/errors';
import { createS3Client, type S3Credentials } from '../../shared/s3-client';

export interface SourceLocation {
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
  readonly endpoint?: string;
  /** Undefined at the edge: the function's role, through the SDK's default chain. */
  readonly credentials?: S3Credentials;
}

export const S3_MAX_ATTEMPTS = 2;
export const S3_CONNECTION_TIMEOUT_MS = 1000;
export const S3_REQUEST_TIMEOUT_MS = 3000;

const clients = new Map<string, S3Client>();

function clientFor(location: SourceLocation): S3Client {
  const id = `${location.region} ${location.endpoint || ''} ${location.credentials ? location.credentials.accessKeyId : ''}`;
  let client = clients.get(id);
  if (!client) {
    // One retry (maxAttempts 2) for S3's transient 500/503 and throttling; a 403 or 404 is
    // not retried. Timeouts per attempt: 1 s to connect, 3 s of socket silence. Both attempts
    // together (about 7 s at worst) stay inside the invocation's deadline, which also aborts
    // the request through its signal (docs/behaviour.md, "Limits of one invocation").
    client = createS3Client({
      region: location.region,
      endpoint: location.endpoint,
      credentials: location.credentials,
      maxAttempts: S3_MAX_ATTEMPTS,
      timeouts: { connectionMs: S3_CONNECTION_TIMEOUT_MS, requestMs: S3_REQUEST_TIMEOUT_MS },
    });
    clients.set(id, client);
  }
  return client;
}

/** Fetches the original. A too-large object is refused before its body is read. */
export async function fetchSource(location: SourceLocation, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
  const output = await clientFor(location).send(
    new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
    { abortSignal: signal },
  );
  if (!output.Body) throw new Error(`S3 returned no body for ${location.key}`);
  if (output.ContentLength !== undefined && output.ContentLength > maxBytes) {
    (output.Body as { destroy?: () => void }).destroy?.();
    throw resizerError(422, 'source_too_large', `source must be at most ${maxBytes} bytes (maxInputBytes), got ${output.ContentLength}`);
  }
  const bytes = await output.Body.transformToByteArray();
  // A view over the SDK's array, not a copy: originals can be tens of megabytes.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Bucket and region from an S3 origin's domain name: bucket.s3.region.amazonaws.com and older forms. */
export function bucketFromDomain(domainName: string): { bucket: string; region?: string } | null {
  const match = /^(.+?)\.s3(?:[.-]([a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$/.exec(domainName);
  if (!match) return null;
  const region = match[2] && match[2] !== 'dualstack' ? match[2] : undefined;
  return { bucket: match[1], region };
}
