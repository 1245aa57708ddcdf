// Every behaviour is guarded (issue 14): a spelling of a key under a resizing behaviour that
// CloudFront matches on another behaviour (a reserved %2F is not decoded for matching while S3
// decodes it; an encoded letter in the prefix) never serves the original unsigned under
// `signing.originals`. Through the local edge, raw over a socket, in both normalizer builds
// built with signing on, over the sample bucket in a real s3rver.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EmbeddedS3 } from '../../../infra/local/s3-server';
import { signUrl } from '../../../shared/signing';
import { configWith } from '../../helpers/config';
import { rawRequest } from '../../helpers/http';
import { SAMPLES, startEdgePair, startSampleS3, type EdgePair } from '../../helpers/sample-edges';

const KEYS = [randomBytes(32).toString('base64url')];
const ORIGINALS: Record<string, Buffer> = {
  '/dev/photo.jpg': readFileSync(path.join(SAMPLES, 'dev/photo.jpg')),
  '/prod/thumbnail.png': readFileSync(path.join(SAMPLES, 'prod/thumbnail.png')),
};

/** Spellings that CloudFront (and the local edge) match on no resizing behaviour, and the original each names in S3. */
const DODGING: Array<[string, string]> = [
  ['/dev%2fphoto.jpg', '/dev/photo.jpg'],
  ['/dev%2Fphoto.jpg', '/dev/photo.jpg'],
  ['/prod%2fthumbnail.png', '/prod/thumbnail.png'],
  ['/%64ev/photo.jpg', '/dev/photo.jpg'],
  ['/d%65v/photo.jpg', '/dev/photo.jpg'],
  ['/%70rod/thumbnail.png', '/prod/thumbnail.png'],
  ['/%64ev/photo.jpg?w=100&f=webp', '/dev/photo.jpg'],
  ['/dev%2fphoto.jpg?w=100&f=webp', '/dev/photo.jpg'],
];

interface Context { s3: EmbeddedS3; pair: EdgePair }
const guarded = suite<Context>('every behaviour is guarded', {} as Context);

guarded.before(async (context) => {
  context.s3 = await startSampleS3();
  // Both builds are built (the CloudFront Functions script held to its 10 KB) and served.
  context.pair = await startEdgePair(context.s3, configWith({ signing: { enabled: true, originals: true }, deploy: { normalizer: 'cloudfront-function' } }), { build: true, signingKeys: KEYS });
});

guarded.after(async (context) => {
  await context.pair?.close();
  await context.s3?.stop();
});

for (const [spelling, original] of DODGING) {
  guarded(`${spelling} never serves ${original} (signing.originals), unsigned or signed as spelled: a 4xx with one line, in both builds`, async ({ pair }) => {
    for (const [runtime, edge] of pair.edges) {
      for (const target of [spelling, signUrl(spelling, KEYS[0])]) {
        const answer = await rawRequest(edge.port, 'GET', target);
        assert.ok(answer.status >= 400 && answer.status < 500, `${runtime} ${target}: ${answer.status}`);
        assert.not.ok(answer.body.includes(ORIGINALS[original].subarray(0, 64)), `${runtime} ${target}: the original's bytes`);
        assert.is(answer.headers['content-type'], 'text/plain; charset=utf-8', `${runtime} ${target}`);
        assert.is(answer.body.toString('utf8').trim().split('\n').length, 1, `${runtime} ${target}: one line`);
      }
    }
  });
}

guarded('the canonical spelling is 403 unsigned and the original signed; a path outside every resizing behaviour is public, in both builds', async ({ pair }) => {
  for (const [runtime, edge] of pair.edges) {
    const unsigned = await rawRequest(edge.port, 'GET', '/dev/photo.jpg');
    assert.is(unsigned.status, 403, runtime);
    const signed = await rawRequest(edge.port, 'GET', signUrl('/dev/photo.jpg', KEYS[0]));
    assert.is(signed.status, 200, runtime);
    assert.ok(signed.body.equals(ORIGINALS['/dev/photo.jpg']), runtime);
    const outside = await rawRequest(edge.port, 'GET', '/thumbnail.png');
    assert.is(outside.status, 200, runtime);
    assert.ok(outside.body.equals(readFileSync(path.join(SAMPLES, 'thumbnail.png'))), runtime);
  }
});

guarded.run();
