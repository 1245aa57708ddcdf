// The embedded S3-compatible server: s3rver on loopback, its storage in a temporary folder,
// and a bucket seeded from a plain folder through PutObject (s3rver keeps sidecar metadata
// files, so it must never be pointed at the folder itself).
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { MAX_SEGMENT_BYTES } from '../../shared/s3-key-limits';
import { createS3Client } from '../../shared/s3-client';
import type { S3OriginOptions } from './s3-origin';

/** The credentials s3rver accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

const CONTENT_TYPES: Record<string, string> = {
  '.avif': 'image/avif', '.gif': 'image/gif', '.jpeg': 'image/jpeg', '.jpg': 'image/jpeg', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.tif': 'image/tiff', '.tiff': 'image/tiff', '.webp': 'image/webp',
  '.pdf': 'application/pdf', '.json': 'application/json', '.txt': 'text/plain; charset=utf-8', '.html': 'text/html; charset=utf-8',
  '.css': 'text/css', '.js': 'text/javascript',
};

/**
 * s3rver keeps each object in a file named after the key's last segment plus a suffix, so a
 * segment over 233 bytes (255, the filesystem's limit, minus "._S3rver_metadata.json") or a NUL
 * cannot be stored: its PUT is a 500 or an uncaught ENAMETOOLONG, its GET a 500. S3 holds such
 * keys (up to 1,024 bytes); the embedded bucket cannot, so they are answered as absent.
 */
export const EMBEDDED_MAX_SEGMENT_BYTES = MAX_SEGMENT_BYTES;

/** Why the embedded server cannot hold this key, or null when it can. */
export function unstorableKeyReason(key: string): string | null {
  if (key.indexOf('\u0000') >= 0) return 'it contains a NUL character';
  for (const segment of key.split('/')) {
    const bytes = Buffer.byteLength(segment, 'utf8');
    if (bytes > EMBEDDED_MAX_SEGMENT_BYTES) return `a path segment is ${bytes} bytes, over the ${EMBEDDED_MAX_SEGMENT_BYTES} the embedded S3 server can store`;
  }
  return null;
}

/** What `aws s3 sync` would guess from the extension. */
export function contentTypeOf(key: string): string {
  return CONTENT_TYPES[path.extname(key).toLowerCase()] || 'application/octet-stream';
}

/** Keys for every file below `dir` (folders become key prefixes), dotfiles left out. */
export function bucketKeys(dir: string): string[] {
  const keys: string[] = [];
  const walk = (folder: string, prefix: string) => {
    for (const name of readdirSync(folder).sort()) {
      if (name.startsWith('.')) continue;
      const full = path.join(folder, name);
      if (statSync(full).isDirectory()) walk(full, `${prefix}${name}/`);
      else keys.push(`${prefix}${name}`);
    }
  };
  walk(dir, '');
  return keys;
}

export interface EmbeddedS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  /**
   * Uploads every file of `dir` into `bucket` (created first); returns the keys. A file whose key
   * the server cannot hold is skipped, with one line to `warn` saying why.
   */
  seed(bucket: string, dir: string, warn?: (line: string) => void): Promise<string[]>;
  /** The local edge's origin over `bucket` of this server. */
  originOptions(bucket: string): S3OriginOptions;
  stop(): Promise<void>;
}

export async function startEmbeddedS3(): Promise<EmbeddedS3> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'local-edge-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  let address: AddressInfo;
  try {
    address = (await server.run()) as AddressInfo;
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  // Removed however the process ends (process.exit after a startup error, an uncaught exception).
  const removeDirectory = () => rmSync(directory, { recursive: true, force: true });
  process.once('exit', removeDirectory);
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = createS3Client({ region: 'us-east-1', endpoint, credentials: S3RVER_CREDENTIALS, maxAttempts: 3 });
  return {
    endpoint,
    client,
    async seed(bucket, dir, warn = (line) => console.error(line)) {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      const keys: string[] = [];
      for (const key of bucketKeys(dir)) {
        const problem = unstorableKeyReason(key);
        if (problem) {
          warn(`skipped ${JSON.stringify(key.length > 80 ? key.slice(0, 77) + '...' : key)}: ${problem}`);
          continue;
        }
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(path.join(dir, ...key.split('/'))), ContentType: contentTypeOf(key) }));
        keys.push(key);
      }
      return keys;
    },
    originOptions: (bucket) => ({ endpoint, bucket, region: 'us-east-1', credentials: S3RVER_CREDENTIALS, unstorableKey: unstorableKeyReason }),
    async stop() {
      client.destroy();
      try {
        await server.close();
      } finally {
        process.removeListener('exit', removeDirectory);
        removeDirectory();
      }
    },
  };
}
