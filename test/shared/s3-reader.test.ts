// The one S3 reader (shared/s3-reader.ts): SigV4 against AWS's published example and against the
// AWS SDK's own signer (s3rver accepts any V4 signature from a known key, so it cannot judge one),
// and signed GETs against a real S3-compatible server. Faults through a loopback proxy are in
// test/functions/resize/faults.test.ts.
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkResizeBundle, RESIZE_BUNDLE_MAX_BYTES } from '../../scripts/build';
import { credentialsFromEnvironment, objectUrl, s3Read, signGet } from '../../shared/s3-reader';
import { distDir } from '../helpers/bundles';
import { startS3, type LocalS3 } from '../helpers/s3';

const BUCKET = 'reader-bucket';
const reader = suite<{ s3: LocalS3 }>('shared: the SigV4 S3 reader', {} as never);

reader.before(async (context) => {
  context.s3 = await startS3();
  await context.s3.createBucket(BUCKET);
});
reader.after(async (context) => { await context.s3?.stop(); });

reader('signGet reproduces the S3 API reference example (GET /test.txt with a Range, 2013-05-24)', () => {
  // "Example: GET Object", Signature Version 4 header-based authentication, S3 API reference.
  const headers = signGet(new URL('https://examplebucket.s3.amazonaws.com/test.txt'), 'us-east-1',
    { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    new Date(Date.UTC(2013, 4, 24)), { range: 'bytes=0-9', 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
  assert.is(headers.authorization, 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  assert.is(headers['x-amz-date'], '20130524T000000Z');
});

/** The SDK's Sha256 interface over node's crypto. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: unknown) { this.hash = secret ? createHmac('sha256', secret as Uint8Array) : createHash('sha256'); }
  update(data: unknown) { this.hash.update(data as Uint8Array); }
  async digest() { return new Uint8Array(this.hash.digest()); }
}

reader('signGet agrees with the AWS SDK\'s SigV4 signer for odd keys, a session token and a port', async () => {
  const credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret/with+chars', sessionToken: 'token==' };
  const now = new Date(Date.UTC(2026, 11, 2, 12, 34, 56));
  const sdk = new SignatureV4({ credentials, region: 'eu-central-1', service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });
  for (const [key, endpoint] of [['prod/a b+c(1)!\'*.jpg', undefined], ['prod/서울/야경 #1.jpg', undefined], ['x/y=z&w;v~u.png', 'http://127.0.0.1:4569']] as const) {
    const url = objectUrl({ bucket: 'bucket-1', key, region: 'eu-central-1', endpoint });
    const ours = signGet(url, 'eu-central-1', credentials, now);
    const theirs = await sdk.sign({
      method: 'GET', protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path: url.pathname, query: {},
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    } as never, { signingDate: now }) as unknown as { headers: Record<string, string> };
    assert.is(ours.authorization, theirs.headers.authorization, key);
  }
});

reader('a session token is sent and signed; URLs are virtual-hosted on AWS, path style with dots or an endpoint', () => {
  const headers = signGet(new URL('https://b.s3.eu-west-1.amazonaws.com/k'), 'eu-west-1', { accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' }, new Date());
  assert.is(headers['x-amz-security-token'], 'T');
  assert.match(headers.authorization, /SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/);
  assert.is(objectUrl({ bucket: 'b', key: 'prod/a b+c(1)!é.jpg', region: 'eu-west-1' }).href, 'https://b.s3.eu-west-1.amazonaws.com/prod/a%20b%2Bc%281%29%21%C3%A9.jpg');
  assert.is(objectUrl({ bucket: 'my.site', key: 'k', region: 'eu-west-1' }).href, 'https://s3.eu-west-1.amazonaws.com/my.site/k');
  assert.is(objectUrl({ bucket: 'b', key: 'x/y', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000/' }).href, 'http://127.0.0.1:9000/b/x/y');
});

reader('the role credentials come from Lambda\'s reserved variables, with the session token', () => {
  assert.equal(credentialsFromEnvironment({ AWS_ACCESS_KEY_ID: 'ASIA1', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't' }), { accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't' });
  assert.is(credentialsFromEnvironment({ AWS_ACCESS_KEY_ID: 'A' }), undefined);
});

reader('SigV4 GET against s3rver: the stored bytes of keys with spaces, +, parentheses and UTF-8', async (context) => {
  const keys = ['prod/plain.bin', 'prod/a b+c(1)!\'*.bin', 'prod/서울 야경.bin', 'prod/~tilde;semi=eq&amp.bin'];
  for (const [index, key] of keys.entries()) {
    const bytes = Buffer.alloc(70_000 + index, index + 1);
    await context.s3.put(BUCKET, key, bytes, 'application/octet-stream');
    const answer = await s3Read({ bucket: BUCKET, key, region: 'us-east-1', endpoint: context.s3.endpoint }, { credentials: context.s3.resizerS3.credentials, maxAttempts: 1 });
    assert.is(answer.status, 200, key);
    assert.ok(answer.body.equals(bytes), key);
  }
});

reader('an unknown access key is S3\'s 403, a missing key its 404, neither retried', async (context) => {
  const object = { bucket: BUCKET, key: 'prod/plain.bin', region: 'us-east-1', endpoint: context.s3.endpoint };
  const wrong = await s3Read(object, { credentials: { accessKeyId: 'NOBODY', secretAccessKey: 'wrong' }, maxAttempts: 2 }).then(() => null, (error) => error);
  assert.is(wrong.status, 403);
  assert.is(wrong.code, 'InvalidAccessKeyId');
  const missing = await s3Read({ ...object, key: 'prod/nothing.bin' }, { credentials: context.s3.resizerS3.credentials, maxAttempts: 2 }).then(() => null, (error) => error);
  assert.is(missing.status, 404);
  assert.is(missing.code, 'NoSuchKey');
  assert.match(missing.message, /prod\/nothing\.bin answered 404 NoSuchKey/);
});

reader('an object over maxBytes is refused with the caller\'s error, from its Content-Length', async (context) => {
  const object = { bucket: BUCKET, key: 'prod/plain.bin', region: 'us-east-1', endpoint: context.s3.endpoint };
  const error = await s3Read(object, { credentials: context.s3.resizerS3.credentials, maxAttempts: 1, maxBytes: 1000, tooLarge: (bytes) => new Error(`too large: ${bytes}`) }).then(() => null, (e) => e);
  assert.is(error.message, 'too large: 70000');
});

reader('headersOnly: a 2xx answer\'s status and headers without its body; an error still carries S3\'s code', async (context) => {
  const object = { bucket: BUCKET, key: 'prod/plain.bin', region: 'us-east-1', endpoint: context.s3.endpoint };
  const credentials = context.s3.resizerS3.credentials;
  const full = await s3Read(object, { credentials, maxAttempts: 1 });
  const head = await s3Read(object, { credentials, maxAttempts: 1, headersOnly: true });
  assert.is(head.status, 200);
  assert.is(head.body.length, 0, 'no body read');
  assert.is(head.headers['content-length'], '70000');
  assert.is(head.headers.etag, full.headers.etag);
  // The connection it left is not reused half-read: the next GET gets the whole object.
  assert.ok((await s3Read(object, { credentials, maxAttempts: 1 })).body.equals(full.body));
  const missing = await s3Read({ ...object, key: 'prod/nothing.bin' }, { credentials, maxAttempts: 1, headersOnly: true }).then(() => null, (error) => error);
  assert.is(missing.code, 'NoSuchKey');
});

reader('an aborted read rejects with the signal\'s reason', async (context) => {
  const controller = new AbortController();
  const reason = new Error('deadline');
  controller.abort(reason);
  const error = await s3Read({ bucket: BUCKET, key: 'prod/plain.bin', region: 'us-east-1', endpoint: context.s3.endpoint }, { credentials: context.s3.resizerS3.credentials, maxAttempts: 2, signal: controller.signal }).then(() => null, (e) => e);
  assert.is(error, reason);
});

reader('dist/resize/index.js has no @aws-sdk string and stays within its 150 KB budget (after npm run build)', () => {
  const text = readFileSync(path.join(distDir, 'resize/index.js'), 'utf8');
  assert.not.ok(text.includes('@aws-sdk'));
  assert.ok(Buffer.byteLength(text) <= RESIZE_BUNDLE_MAX_BYTES, `${Buffer.byteLength(text)} bytes`);
  assert.throws(() => checkResizeBundle(`${text}\nrequire("@aws-sdk/client-s3")`), /contains @aws-sdk/);
  assert.throws(() => checkResizeBundle('x'.repeat(RESIZE_BUNDLE_MAX_BYTES + 1)), /over its 153600-byte budget/);
});

reader.run();
