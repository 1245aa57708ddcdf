// A real S3-compatible server (s3rver on a free loopback port, the local edge's own), reached
// through the real SDK, with the few calls tests need.
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { S3RVER_CREDENTIALS, startEmbeddedS3 } from '../../infra/local/s3-server';

export interface LocalS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  createBucket(bucket: string): Promise<void>;
  put(bucket: string, key: string, body: Buffer | string, contentType?: string): Promise<void>;
  get(bucket: string, key: string): Promise<Buffer>;
  stop(): Promise<void>;
}

/** The SDK's default credential chain reads these; at the edge Lambda sets its own. */
export function useS3rverCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}

export async function startS3(): Promise<LocalS3> {
  const s3 = await startEmbeddedS3();
  const { client } = s3;
  return {
    endpoint: s3.endpoint,
    client,
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
