// The S3 origin: a signed GET through the real SDK (as origin access control signs it), answered
// with the status, headers and body S3 sent. The bucket policy is taken to grant s3:ListBucket,
// as the CDK app's does, so a missing key is S3's 404 NoSuchKey rather than a 403.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { STATUS_CODES } from 'node:http';
import { createS3Client, type S3Credentials } from '../../shared/s3-client';
import type { PlainHeaders } from './rules';

export interface S3OriginOptions {
  /** Path-style endpoint of an S3-compatible server; undefined means AWS. */
  readonly endpoint?: string;
  readonly bucket: string;
  readonly region: string;
  /** Undefined: the SDK's default chain (the standard AWS_* variables, profiles…). */
  readonly credentials?: S3Credentials;
  /**
   * Keys the server cannot hold although S3 could (the embedded s3rver's file-name limits): null,
   * or why. They are answered as S3 answers any key it does not have, 404 NoSuchKey, never
   * sent to the server (which would answer 500).
   */
  readonly unstorableKey?: (key: string) => string | null;
}

export interface OriginAnswer {
  readonly status: number;
  readonly statusDescription: string;
  readonly headers: PlainHeaders;
  readonly body: Buffer;
}

export interface S3Origin {
  /** What the origin-response event names as the S3 origin. */
  readonly domainName: string;
  readonly region: string;
  get(uri: string, options?: { readonly range?: string }): Promise<OriginAnswer>;
  close(): void;
}

type Middleware = Parameters<GetObjectCommand['middlewareStack']['addRelativeTo']>[0];
interface RawResponse { statusCode: number; headers: Record<string, string> }

/** Hop-by-hop headers: CloudFront does not expose them to functions, and they describe our socket, not the object. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'trailer'];

/** The S3 key of a request URI: S3 percent-decodes the path; null when it cannot be decoded. */
export function objectKeyOf(uri: string): string | null {
  try {
    return decodeURIComponent(uri.replace(/^\/+/, ''));
  } catch (_) {
    return null;
  }
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** S3's error document, rebuilt from the SDK's parsed error (the SDK has consumed the body). */
export function s3ErrorAnswer(status: number, code: string, message: string, key: string): OriginAnswer {
  const body = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message><Key>${escapeXml(key)}</Key></Error>`);
  return {
    status,
    statusDescription: STATUS_CODES[status] || 'Error',
    headers: { 'content-type': ['application/xml'], 'content-length': [String(body.length)] },
    body,
  };
}

/** CloudFront's default ConnectionAttempts: connection failures (no HTTP answer at all) are retried, statuses never. */
export const ORIGIN_CONNECTION_ATTEMPTS = 3;

export function createS3Origin(options: S3OriginOptions): S3Origin {
  // One attempt: CloudFront's own origin retries are not what this emulates.
  const client = createS3Client({ region: options.region, endpoint: options.endpoint, credentials: options.credentials, maxAttempts: 1 });

  /** CloudFront tries to connect to an origin 3 times by default (the origin's ConnectionAttempts) before it answers 502. */
  async function get(uri: string, options: { readonly range?: string } = {}): Promise<OriginAnswer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await getOnce(uri, options.range);
      } catch (error) {
        if (attempt >= ORIGIN_CONNECTION_ATTEMPTS) throw error;
      }
    }
  }

  /** With `range`, the viewer's Range as CloudFront forwards it: S3 answers 206 with that part. */
  async function getOnce(uri: string, range: string | undefined): Promise<OriginAnswer> {
    const key = objectKeyOf(uri);
    if (key === null) return s3ErrorAnswer(400, 'InvalidURI', 'Couldn\'t parse the specified URI.', uri);
    if (options.unstorableKey && options.unstorableKey(key) !== null) return s3ErrorAnswer(404, 'NoSuchKey', 'The specified key does not exist.', key);
    const command = new GetObjectCommand({ Bucket: options.bucket, Key: key, ...(range === undefined ? {} : { Range: range }) });
    let raw: RawResponse | undefined;
    // Inside the deserializer: sees S3's own status and headers, also when the SDK turns them into an error.
    const keepRawResponse = (next: (args: unknown) => Promise<{ response: unknown }>) => async (args: unknown) => {
      const out = await next(args);
      raw = out.response as RawResponse;
      return out;
    };
    command.middlewareStack.addRelativeTo(keepRawResponse as unknown as Middleware, { relation: 'after', toMiddleware: 'deserializerMiddleware', name: 'keepRawResponse' });
    try {
      const output = await client.send(command);
      const body = output.Body ? Buffer.from(await output.Body.transformToByteArray()) : Buffer.alloc(0);
      const headers: PlainHeaders = {};
      for (const [name, value] of Object.entries(raw ? raw.headers : {})) {
        if (HOP_BY_HOP.indexOf(name.toLowerCase()) < 0) headers[name.toLowerCase()] = [value];
      }
      const status = raw ? raw.statusCode : 200;
      return { status, statusDescription: STATUS_CODES[status] || '', headers, body };
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      // No HTTP answer at all (connection refused, DNS…) is the edge's problem, not an S3 status.
      if (!status) throw error;
      return s3ErrorAnswer(status, (error as Error).name, (error as Error).message, key);
    }
  }

  return {
    domainName: `${options.bucket}.s3.${options.region}.amazonaws.com`,
    region: options.region,
    get,
    close: () => client.destroy(),
  };
}
