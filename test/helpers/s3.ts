// A real S3-compatible server (s3rver on a free loopback port, the local edge's own), reached
// through the real SDK, with the few calls tests need.
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { S3RVER_CREDENTIALS, startEmbeddedS3 } from '../../infra/local/s3-server';
import type { S3Credentials } from '../../shared/s3-client';

export interface LocalS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  /** What the resizer needs to read this server: its endpoint and credentials, passed in (never the environment). */
  readonly resizerS3: { readonly endpoint: string; readonly credentials: S3Credentials };
  createBucket(bucket: string): Promise<void>;
  put(bucket: string, key: string, body: Buffer | string, contentType?: string): Promise<void>;
  get(bucket: string, key: string): Promise<Buffer>;
  stop(): Promise<void>;
}

export async function startS3(): Promise<LocalS3> {
  const s3 = await startEmbeddedS3();
  const { client } = s3;
  return {
    endpoint: s3.endpoint,
    client,
    resizerS3: { endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS },
    async createBucket(bucket) {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    },
    async put(bucket, key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async get(bucket, key) {
      const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await output.Body!.transformToByteArray());
    },
    stop: () => s3.stop(),
  };
}
