// The purge core against recorded S3 event notifications, delivered as SQS messages the way
// S3 sends them (one record a message) and as one message holding several records.
import type { S3Event } from 'aws-lambda';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeS3EventKey, invalidationPath, MAX_INVALIDATION_PATH_CHARS, MAX_WILDCARD_PATHS_IN_PROGRESS,
  planInvalidations, uncoveredPaths, type QueueMessage,
} from '../../../functions/purge/plan';
import { fixture } from '../../helpers/fixtures';

const recorded = fixture<S3Event>('events/s3-object-events.json');
const testEvent = fixture<object>('events/s3-test-event.json');

/** One SQS message per S3 record, as S3 delivers them. */
function messagesFor(event: S3Event): QueueMessage[] {
  return event.Records.map((record, i) => ({ id: `m${i}`, body: JSON.stringify({ Records: [record] }) }));
}

function eventFor(keys: string[]): S3Event {
  const [template] = recorded.Records;
  return { Records: keys.map((key) => ({ ...template, s3: { ...template.s3, object: { ...template.s3.object, key } } })) };
}

test('purge: S3 event keys are decoded: + is a space, percent-escapes are UTF-8', () => {
  assert.is(decodeS3EventKey('prod/photos/%ED%95%9C%EA%B8%80+%EC%82%AC%EC%A7%84.jpg'), 'prod/photos/한글 사진.jpg');
  assert.is(decodeS3EventKey('prod/photos/1%2B1%3D2.png'), 'prod/photos/1+1=2.png');
});

test('purge: the path percent-encodes non-ASCII and unsafe characters and nothing else, then ends in *', () => {
  assert.is(invalidationPath('dev/photos/cat.jpg'), '/dev/photos/cat.jpg*');
  assert.is(invalidationPath('prod/photos/한글 사진.jpg'), '/prod/photos/%ED%95%9C%EA%B8%80%20%EC%82%AC%EC%A7%84.jpg*');
  assert.is(invalidationPath('prod/photos/1+1=2 (copy).png'), '/prod/photos/1+1=2%20(copy).png*');
  assert.is(invalidationPath('dev/what?#100%.jpg'), '/dev/what%3F%23100%25.jpg*');
});

test('purge: characters browsers send raw but RFC 1738 calls unsafe cut the path short, so both spellings are covered', () => {
  assert.is(invalidationPath('prod/logos/brand~2.png'), '/prod/logos/brand*');
  assert.is(invalidationPath('dev/a*b.jpg'), '/dev/a*');
  assert.is(invalidationPath('dev/[draft]/x.jpg'), '/dev/*');
});

test('purge: a path never exceeds CloudFront\'s 4,000 characters, and never splits an escape', () => {
  const path = invalidationPath('dev/' + '가'.repeat(1020));
  assert.ok(path.length <= MAX_INVALIDATION_PATH_CHARS, String(path.length));
  assert.match(path, /^\/dev\/(%EA%B0%80)+\*$/);
});

test('purge: a wildcard that another one covers is dropped; siblings stay', () => {
  assert.equal(
    uncoveredPaths(['/dev/a.jpg.webp*', '/dev/a(b*', '/dev/a*', '/dev/b.jpg*', '/dev/b.jpg*', '/prod/a*']),
    ['/dev/a*', '/dev/b.jpg*', '/prod/a*'],
  );
});

test('purge: the recorded event gives one batch of deduplicated paths, each key its own, dev and prod apart', () => {
  const plan = planInvalidations(messagesFor(recorded));
  assert.is(plan.batches.length, 1);
  assert.equal(plan.batches[0].paths, [
    '/dev/photos/cat.jpg*',
    '/prod/logos/brand*',
    '/prod/photos/%ED%95%9C%EA%B8%80%20%EC%82%AC%EC%A7%84.jpg*',
    '/prod/photos/1+1=2.png*',
  ]);
  assert.equal(plan.batches[0].messageIds, ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
  assert.equal(plan.ignored, []);
  assert.equal(plan.unreadable, []);
});

test('purge: several records in one message are all read', () => {
  const plan = planInvalidations([{ id: 'all', body: JSON.stringify(recorded) }]);
  assert.is(plan.batches[0].paths.length, 4);
  assert.equal(plan.batches[0].messageIds, ['all']);
});

test('purge: S3\'s test event is ignored and a body that is not an S3 event is reported', () => {
  const plan = planInvalidations([
    { id: 'test', body: JSON.stringify(testEvent) },
    { id: 'junk', body: 'not json' },
    { id: 'other', body: JSON.stringify({ hello: 'world' }) },
  ]);
  assert.equal(plan.batches, []);
  assert.equal(plan.ignored, ['test']);
  assert.equal(plan.unreadable.map((u) => u.id), ['junk', 'other']);
});

test('purge: events other than created and removed invalidate nothing', () => {
  const restore = { ...recorded.Records[0], eventName: 'ObjectRestore:Completed' };
  const plan = planInvalidations([{ id: 'r', body: JSON.stringify({ Records: [restore] }) }]);
  assert.equal(plan.batches, []);
  assert.equal(plan.ignored, ['r']);
});

test(`purge: batches hold at most ${MAX_WILDCARD_PATHS_IN_PROGRESS} paths, CloudFront's wildcard limit, and each names the messages it settles`, () => {
  const keys = Array.from({ length: 40 }, (_, i) => `prod/bulk/${String(i).padStart(2, '0')}.jpg`);
  const plan = planInvalidations(messagesFor(eventFor(keys)));
  assert.equal(plan.batches.map((b) => b.paths.length), [15, 15, 10]);
  assert.equal(plan.batches.flatMap((b) => b.paths), keys.map((k) => `/${k}*`));
  assert.equal(plan.batches[2].messageIds, Array.from({ length: 10 }, (_, i) => `m${30 + i}`));
});

test('purge: a message whose path another covers is settled by the covering batch', () => {
  const keys = [...Array.from({ length: 15 }, (_, i) => `dev/${String.fromCharCode(97 + i)}.jpg`), 'dev/o.jpg.webp', 'dev/p.jpg'];
  const plan = planInvalidations(messagesFor(eventFor(keys)));
  assert.equal(plan.batches.map((b) => b.paths.length), [15, 1]);
  assert.ok(plan.batches[0].messageIds.includes('m15'), 'dev/o.jpg.webp rides with /dev/o.jpg*');
  assert.equal(plan.batches[1].messageIds, ['m16']);
});

test('purge: the caller reference is stable for the same messages and differs for others', () => {
  const once = planInvalidations(messagesFor(recorded)).batches[0].callerReference;
  const again = planInvalidations(messagesFor(recorded).reverse()).batches[0].callerReference;
  const other = planInvalidations(messagesFor(recorded).slice(1)).batches[0].callerReference;
  assert.is(once, again);
  assert.is.not(once, other);
});

test.run();
