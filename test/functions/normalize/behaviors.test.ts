// The normalizer as it runs on every behaviour (functions/normalize/behaviors.ts), in both built
// bundles and, for the CloudFront Functions build, in njs too: a path under no resizing
// behaviour gets the path rules only (canonical path, query and Range as sent, no signature); a
// spelling of a key under a resizing behaviour that CloudFront could not have matched on that
// behaviour (an encoded letter of its prefix; an encoded slash is the path rules' own 400) is
// refused with one line naming the canonical spelling, before any signature is read.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CffRequest, CffResponse } from '../../../functions/normalize/cloudfront-function';
import { resizingPrefix } from '../../../functions/normalize/behaviors';
import { buildNormalizers } from '../../../scripts/build';
import { KEY_VALUE_STORE_KEY } from '../../../shared/signing';
import { cloudFrontFunctionNormalizer, lambdaNormalizer } from '../../helpers/bundles';
import { configWith } from '../../helpers/config';
import { cffViewerRequest, viewerRequest } from '../../helpers/events';
import { keyValueStoreModule, njsVersion, runInNjs } from '../../helpers/njs';

const KEYS = [randomBytes(32).toString('base64url')];

/** What a built normalizer did with one request: passed it on (uri, query, whether Range stayed) or answered. */
type Outcome = { uri: string; query: string; range: boolean } | { status: number; body: string };

interface Case {
  readonly uri: string;
  readonly query: string;
  readonly expect: Outcome | { status: number; match: RegExp };
}

/** Default behaviours (dev/*, prod/*), signing on with originals. */
const CASES: Case[] = [
  { uri: '/thumbnail.png', query: '', expect: { uri: '/thumbnail.png', query: '', range: true } },
  { uri: '/thumbnail.png', query: 'v=2&w=abc', expect: { uri: '/thumbnail.png', query: 'v=2&w=abc', range: true } },
  { uri: '/docs/caf%c3%a9%2Epdf', query: '', expect: { uri: '/docs/caf%C3%A9.pdf', query: '', range: true } },
  { uri: '/development/photo.jpg', query: 'w=100', expect: { uri: '/development/photo.jpg', query: 'w=100', range: true } },
  { uri: '/%64ev/photo.jpg', query: '', expect: { status: 400, match: /^the path must be spelled \/dev\/photo\.jpg \(\/dev\/\*\), got "\/%64ev\/photo\.jpg"\n$/ } },
  { uri: '/d%65v/photo.jpg', query: 'w=100', expect: { status: 400, match: /spelled \/dev\/photo\.jpg/ } },
  { uri: '/%70rod/thumbnail.png', query: 'sig=abc', expect: { status: 400, match: /spelled \/prod\/thumbnail\.png \(\/prod\/\*\)/ } },
  { uri: '/dev%2fphoto.jpg', query: '', expect: { status: 400, match: /%2F/ } },
  { uri: '/prod%2Fthumbnail.png', query: 'w=100', expect: { status: 400, match: /%2F/ } },
  { uri: '/dev/photo.jpg', query: '', expect: { status: 403, match: /sig/ } },
];

interface Context { dir: string; lambda: ReturnType<typeof lambdaNormalizer>; cff: ReturnType<typeof cloudFrontFunctionNormalizer> }
const behaviors = suite<Context>('normalizer on every behaviour', {} as Context);

behaviors.before(async (context) => {
  context.dir = mkdtempSync(path.join(tmpdir(), 'behaviors-'));
  // Built for deploy.normalizer cloudfront-function, so the build holds the script to CloudFront's 10 KB.
  await buildNormalizers(configWith({ signing: { enabled: true, originals: true }, deploy: { normalizer: 'cloudfront-function' } }), KEYS, context.dir);
  context.lambda = lambdaNormalizer(context.dir);
  context.cff = cloudFrontFunctionNormalizer(context.dir, { [KEY_VALUE_STORE_KEY]: KEYS.join('\n') });
});

behaviors.after((context) => {
  if (context.dir) rmSync(context.dir, { recursive: true, force: true });
});

function pairs(query: string): Array<[string, string]> {
  return query.split('&').filter(Boolean).map((pair): [string, string] => {
    const eq = pair.indexOf('=');
    return eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
  });
}

function cffEvent(c: Case) {
  const event = cffViewerRequest(pairs(c.query), 'image/webp');
  event.request.uri = c.uri;
  event.request.headers.range = { value: 'bytes=0-99' };
  return event;
}

function fromCff(result: CffRequest | CffResponse): Outcome {
  if ('statusCode' in result) return { status: result.statusCode, body: result.body };
  const request = result as CffRequest;
  // The query object as the function left it, joined back in its order.
  const query = Object.keys(request.querystring).map((name) => `${name}=${request.querystring[name].value}`).join('&');
  return { uri: request.uri, query, range: 'range' in request.headers };
}

function check(name: string, outcome: Outcome, c: Case): void {
  const label = `${name} ${c.uri}?${c.query}`;
  if ('match' in c.expect) {
    assert.ok('status' in outcome, `${label}: passed on as ${JSON.stringify(outcome)}`);
    const answer = outcome as { status: number; body: string };
    assert.is(answer.status, c.expect.status, `${label}: ${answer.body}`);
    assert.match(answer.body, c.expect.match, label);
    return;
  }
  assert.equal(outcome, c.expect, label);
}

behaviors('Lambda@Edge build: paths outside every resizing behaviour keep their query and Range; dodging spellings are refused naming the canonical one', async ({ lambda }) => {
  for (const c of CASES) {
    const event = viewerRequest(c.query, 'image/webp', c.uri);
    event.Records[0].cf.request.headers.range = [{ key: 'Range', value: 'bytes=0-99' }];
    const result = await lambda(event) as { uri?: string; querystring?: string; headers?: Record<string, unknown>; status?: string; body?: string };
    const outcome: Outcome = result.status ? { status: Number(result.status), body: result.body! } : { uri: result.uri!, query: result.querystring!, range: 'range' in result.headers! };
    check('lambda@edge', outcome, c);
  }
});

behaviors('CloudFront Functions build: the same answers', async ({ cff }) => {
  for (const c of CASES) check('cloudfront-function', fromCff(await cff(cffEvent(c), c.query)), c);
});

const version = njsVersion();
(version ? behaviors : behaviors.skip)(`njs ${version || '(not installed)'}: the CloudFront Functions build gives the same answers in njs`, async ({ dir }) => {
  const script = readFileSync(path.join(dir, 'normalize-cff/index.js'), 'utf8');
  const answers = runInNjs(script, CASES.map((c) => ({ event: cffEvent(c), rawQueryString: c.query })), { cloudfront: keyValueStoreModule({ [KEY_VALUE_STORE_KEY]: KEYS.join('\n') }) });
  CASES.forEach((c, i) => {
    const answer = answers[i];
    assert.ok('ok' in answer, `njs ${c.uri}: ${JSON.stringify(answer)}`);
    check('njs', fromCff((answer as { ok: CffRequest | CffResponse }).ok), c);
  });
});

behaviors('resizingPrefix: a literal prefix match in config order; the leading slash of a pattern is optional', () => {
  assert.is(resizingPrefix('/dev/a.jpg', ['dev/*', 'prod/*']), '/dev/');
  assert.is(resizingPrefix('/prod/a/b.jpg', ['dev/*', '/prod/*']), '/prod/');
  assert.is(resizingPrefix('/dev', ['dev/*']), undefined);
  assert.is(resizingPrefix('/development/a.jpg', ['dev/*']), undefined);
  assert.is(resizingPrefix('/img/cats/a.jpg', ['img/cats/*', 'img/*']), '/img/cats/');
  assert.is(resizingPrefix('/%64ev/a.jpg', ['dev/*']), undefined);
});

behaviors.run();
