// The purge core: S3 event notifications (the bodies of SQS messages) in, CloudFront
// CreateInvalidation batches out. Pure, so it is tested against recorded events, without AWS.
//
// A variant's cache key is its URI path plus the canonical query, so `/<key>*` invalidates the
// original and every query variant of it (CloudFront Developer Guide, "What you need to know
// when invalidating files": with query strings in the key, use `/images/image.jpg*`).
import { createHash } from 'node:crypto';
import type { S3Event } from 'aws-lambda';

/**
 * CloudFront allows 15 wildcard invalidation paths in progress per distribution at one time
 * (Developer Guide, "Concurrent invalidation request maximum"). Every path here is a wildcard,
 * so no request may carry more, and the queue hands the function at most this many messages.
 */
export const MAX_WILDCARD_PATHS_IN_PROGRESS = 15;

/** "The maximum length of a path is 4,000 characters." (same guide, "Invalidation paths") */
export const MAX_INVALIDATION_PATH_CHARS = 4000;

/** Characters CloudFront takes as they are in an invalidation path. */
const AS_IS = /^[A-Za-z0-9\-_.!$&'()+,/:;=@]$/;

/**
 * RFC 1738 calls these unsafe, so CloudFront's guide says to percent-encode them in the path,
 * yet browsers send them unencoded: the cache may hold either spelling. The wildcard starts
 * before the first one and so covers both. `*` can only end a path, so it is cut the same way.
 */
const AMBIGUOUS = /[|\\^~[\]*]/;

export interface QueueMessage {
  readonly id: string;
  readonly body: string;
}

export interface InvalidationBatch {
  readonly paths: readonly string[];
  /** The messages this batch settles: if the request fails they go back to the queue. */
  readonly messageIds: readonly string[];
  /** Stable for the same messages and paths, so a retried request does not invalidate twice. */
  readonly callerReference: string;
}

export interface InvalidationPlan {
  readonly batches: readonly InvalidationBatch[];
  /** Messages that need no invalidation (S3's test event). */
  readonly ignored: readonly string[];
  /** Messages that are not S3 events: left to fail into the dead-letter queue. */
  readonly unreadable: ReadonlyArray<{ readonly id: string; readonly reason: string }>;
}

/** S3 event keys are form-encoded: `+` for a space, percent-encoded UTF-8 for the rest. */
export function decodeS3EventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, '%20'));
}

/** The wildcard invalidation path that covers every cached response for an object key. */
export function invalidationPath(key: string): string {
  const cut = key.search(AMBIGUOUS);
  let path = '/';
  for (const char of cut < 0 ? key : key.slice(0, cut)) {
    const encoded = AS_IS.test(char) ? char : encodeURIComponent(char);
    // A shorter prefix still covers the key; a path over the limit would fail the batch.
    if (path.length + encoded.length + 1 > MAX_INVALIDATION_PATH_CHARS) break;
    path += encoded;
  }
  return path + '*';
}

function prefixOf(path: string): string {
  return path.slice(0, -1);
}

/** The paths still needed once those another wildcard already covers are dropped. */
export function uncoveredPaths(paths: Iterable<string>): string[] {
  // Sorted by prefix, a covering path comes right before the paths it covers.
  const prefixes = Array.from(new Set(Array.from(paths, prefixOf))).sort();
  const kept: string[] = [];
  for (const prefix of prefixes) {
    const last = kept[kept.length - 1];
    if (last === undefined || !prefix.startsWith(last)) kept.push(prefix);
  }
  return kept.map((prefix) => prefix + '*');
}

type Read = { kind: 'keys'; keys: string[] } | { kind: 'ignored' } | { kind: 'unreadable'; reason: string };

function readMessage(body: string): Read {
  let event: Partial<S3Event> & { Event?: string };
  try {
    event = JSON.parse(body);
  } catch {
    return { kind: 'unreadable', reason: 'body is not JSON' };
  }
  // S3 sends this once when the notification is configured.
  if (event.Event === 's3:TestEvent') return { kind: 'ignored' };
  if (!Array.isArray(event.Records)) return { kind: 'unreadable', reason: 'no Records' };
  const keys: string[] = [];
  for (const record of event.Records) {
    if (record.eventSource !== 'aws:s3' || !/^Object(Created|Removed):/.test(record.eventName)) continue;
    try {
      keys.push(decodeS3EventKey(record.s3.object.key));
    } catch {
      return { kind: 'unreadable', reason: `key ${JSON.stringify(record.s3.object.key)} is not percent-encoded UTF-8` };
    }
  }
  return keys.length ? { kind: 'keys', keys } : { kind: 'ignored' };
}

function callerReference(paths: readonly string[], messageIds: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify([paths, messageIds])).digest('hex');
}

/**
 * Deduplicated wildcard paths for the objects the messages name, in CreateInvalidation
 * batches of at most `maxPaths`, each with the messages it settles.
 */
export function planInvalidations(messages: readonly QueueMessage[], maxPaths = MAX_WILDCARD_PATHS_IN_PROGRESS): InvalidationPlan {
  const ignored: string[] = [];
  const unreadable: Array<{ id: string; reason: string }> = [];
  const pathsOf = new Map<string, string[]>();
  for (const message of messages) {
    const read = readMessage(message.body);
    if (read.kind === 'ignored') ignored.push(message.id);
    else if (read.kind === 'unreadable') unreadable.push({ id: message.id, reason: read.reason });
    else pathsOf.set(message.id, read.keys.map(invalidationPath));
  }

  const kept = uncoveredPaths(Array.from(pathsOf.values()).flat());
  const batchOf = new Map<string, number>();
  kept.forEach((path, index) => batchOf.set(path, Math.floor(index / maxPaths)));
  const coveringPath = (path: string) => kept.find((candidate) => prefixOf(path).startsWith(prefixOf(candidate)))!;

  const batches: Array<{ paths: string[]; messageIds: Set<string> }> = [];
  for (let i = 0; i < kept.length; i += maxPaths) batches.push({ paths: kept.slice(i, i + maxPaths), messageIds: new Set() });
  for (const [id, paths] of pathsOf) {
    for (const path of paths) batches[batchOf.get(coveringPath(path))!].messageIds.add(id);
  }
  return {
    batches: batches.map(({ paths, messageIds }) => {
      const ids = Array.from(messageIds).sort();
      return { paths, messageIds: ids, callerReference: callerReference(paths, ids) };
    }),
    ignored,
    unreadable,
  };
}
