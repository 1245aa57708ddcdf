// The S3 origin: a signed GET through the project's one S3 reader (as origin access control signs
// it), answered with the status, headers and body S3 sent. The bucket policy is taken to grant
// s3:ListBucket, as the CDK app's does, so a missing key is S3's 404 NoSuchKey rather than a 403.
import { STATUS_CODES } from 'node:http';
import { s3Read, type S3Answer, type S3Credentials } from '../../shared/s3-reader';
import type { PlainHeaders } from './rules';

export interface S3OriginOptions {
  /** Path-style endpoint of an S3-compatible server; undefined means AWS. */
  readonly endpoint?: string;
  readonly bucket: string;
  readonly region: string;
  readonly credentials: S3Credentials;
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

export interface OriginGetOptions {
  /** The viewer's Range as CloudFront forwards it: S3 answers 206 with that part. */
  readonly range?: string;
  /** A 2xx answer with its status and headers only: its body is not read (s3-reader.ts). */
  readonly headersOnly?: boolean;
  /** S3 answers 412 unless the object still has this ETag. */
  readonly ifMatch?: string;
}

export interface S3Origin {
  /** What the origin-response event names as the S3 origin. */
  readonly domainName: string;
  readonly region: string;
  get(uri: string, options?: OriginGetOptions): Promise<OriginAnswer>;
  close(): void;
}

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

/** An S3-shaped error document, for the keys the origin answers itself. */
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

/** S3's answer as the origin passes it on: its status, headers (hop-by-hop ones dropped) and body. */
function originAnswer(answer: S3Answer): OriginAnswer {
  const headers: PlainHeaders = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value !== undefined && HOP_BY_HOP.indexOf(name) < 0) headers[name] = Array.isArray(value) ? value : [value];
  }
  return { status: answer.status, statusDescription: STATUS_CODES[answer.status] || '', headers, body: answer.body };
}

export function createS3Origin(options: S3OriginOptions): S3Origin {
  /** CloudFront tries to connect to an origin 3 times by default (the origin's ConnectionAttempts) before it answers 502. */
  async function get(uri: string, options: OriginGetOptions = {}): Promise<OriginAnswer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await getOnce(uri, options);
      } catch (error) {
        if (attempt >= ORIGIN_CONNECTION_ATTEMPTS) throw error;
      }
    }
  }

  async function getOnce(uri: string, { range, headersOnly, ifMatch }: OriginGetOptions): Promise<OriginAnswer> {
    const key = objectKeyOf(uri);
    if (key === null) return s3ErrorAnswer(400, 'InvalidURI', 'Couldn\'t parse the specified URI.', uri);
    if (options.unstorableKey && options.unstorableKey(key) !== null) return s3ErrorAnswer(404, 'NoSuchKey', 'The specified key does not exist.', key);
    try {
      // One attempt: CloudFront's own origin retries are not what this emulates.
      const headers: Record<string, string> = {};
      if (range !== undefined) headers.range = range;
      if (ifMatch !== undefined) headers['if-match'] = ifMatch;
      return originAnswer(await s3Read({ bucket: options.bucket, key, region: options.region, endpoint: options.endpoint }, { credentials: options.credentials, maxAttempts: 1, headers, headersOnly }));
    } catch (error) {
      // No HTTP answer at all (connection refused, DNS…) is the edge's problem, not an S3 status.
      const answer = (error as { answer?: S3Answer }).answer;
      if (!answer) throw error;
      return originAnswer(answer);
    }
  }

  return {
    domainName: `${options.bucket}.s3.${options.region}.amazonaws.com`,
    region: options.region,
    get,
    close: () => undefined,
  };
}
