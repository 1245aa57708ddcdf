// The normalizer in both builds: ns per viewer-request event over a log of realistic events,
// the bundle sizes raw and gzipped, and the cache-key count over a generated request log.
import type { CloudFrontRequestEvent, CloudFrontRequestResult } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CffEvent, CffRequest } from '../functions/normalize/cloudfront-function';
import { cacheKey, forwardedQuery } from '../infra/local/routing';
import { checkCffViewerRequestResult, checkViewerRequestResult, isFailure } from '../infra/local/rules';
import { normalizeRequest, type SigningRuntime } from '../functions/normalize/core';
import { canonicalQuery } from '../shared/canonical';
import type { Config } from '../shared/config';
import { distributionPolicies } from '../infra/local/distribution';
import { lambdaNormalizer } from '../test/helpers/bundles';
import { cffViewerRequest, viewerRequest } from '../test/helpers/events';
import { loadCloudFrontFunctionFile } from '../infra/local/functions';
import { rawQuery, requestLog, type GeneratedRequest } from './requests';
import { summarize, type Summary } from './stats';

export interface BundleSize { readonly file: string; readonly raw: number; readonly gzip: number }

export function bundleSizes(root: string): BundleSize[] {
  return ['dist/normalize-cff/index.js', 'dist/normalize/index.js', 'dist/resize/index.js'].map((file) => {
    const bytes = readFileSync(path.join(root, file));
    return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
}

function lambdaEvent(request: GeneratedRequest): CloudFrontRequestEvent {
  const event = viewerRequest(rawQuery(request), request.accept || undefined, request.uri);
  if (request.acceptEncoding) event.Records[0].cf.request.headers['accept-encoding'] = [{ key: 'Accept-Encoding', value: request.acceptEncoding }];
  return event;
}

function cffEvent(request: GeneratedRequest): CffEvent {
  const event = cffViewerRequest(request.query as Array<[string, string]>, request.accept || undefined);
  (event.request as unknown as { uri: string }).uri = request.uri;
  if (request.acceptEncoding) (event.request.headers as Record<string, { value: string }>)['accept-encoding'] = { value: request.acceptEncoding };
  return event;
}

/**
 * The script's own handler in its context (async: it may read the KeyValueStore), without the
 * local edge's checks. Each event gets the request.rawQueryString() that cloudfront-js-2.0 adds
 * (the query as sent), made in the script's own realm.
 */
function cffHandler(root: string): (event: CffEvent, query: string) => Promise<unknown> {
  const { context } = loadCloudFrontFunctionFile(path.join(root, 'dist/normalize-cff/index.js'), {});
  const handler = (context as unknown as { handler: (event: CffEvent) => unknown }).handler;
  return async (event, query) => {
    withRawQueryString(event, query);
    return handler(event);
  };
}

function withRawQueryString(event: CffEvent, query: string): CffEvent {
  event.request.rawQueryString = () => query;
  return event;
}

/** The signing runtime of a config without signing: the core never calls it. */
const NO_SIGNING: SigningRuntime = { hmac: () => '', keys: () => [], now: () => 0 };

export interface NormalizeResult {
  readonly build: string;
  /** Wall clock per event. */
  readonly nsPerEvent: Summary;
  /** CPU time (user and system, process.cpuUsage) per event in the same rounds: less disturbed by other processes on a shared machine. */
  readonly cpuNsPerEvent: Summary;
}

/** ns per event; each round replays every event once (the CFF run creates its events in its own context's realm first). */
export async function benchNormalize(root: string, config: Config, rounds: number, events: number): Promise<NormalizeResult[]> {
  const log = requestLog(events, Math.min(200, events), config);
  const lambda = lambdaNormalizer();
  const cff = cffHandler(root);
  const lambdaEvents = log.map(lambdaEvent);
  const cffEvents = log.map(cffEvent);
  // Each round gets fresh copies made before the clock starts (a handler may change its event).
  const builds: Array<[string, () => unknown[], (batch: unknown[]) => Promise<void> | void]> = [
    // The shared core alone (core.ts: canonical path, behaviour, canonical query; no signing in
    // this config), so the bundles' own event handling shows as the difference.
    ['pure core (normalizeRequest: canonicalPath and canonicalQuery, no event)', () => log.map((r) => ({ uri: r.uri, rawQuery: rawQuery(r), accept: r.accept || '' })),
      async (batch) => { for (const input of batch as Array<{ uri: string; rawQuery: string; accept: string }>) await normalizeRequest(input, config, NO_SIGNING); }],
    // The query half of it, side by side, so the path rules' share shows.
    ['canonical query alone (canonicalQuery)', () => log.map((r) => [rawQuery(r), r.accept || undefined]),
      (batch) => { for (const [query, accept] of batch as Array<[string, string | undefined]>) canonicalQuery(query, accept, config); }],
    ['Lambda@Edge bundle (dist/normalize)', () => lambdaEvents.map((e) => structuredClone(e)),
      async (batch) => { for (const e of batch) await lambda(e as CloudFrontRequestEvent); }],
    ['CloudFront Functions script (dist/normalize-cff, node:vm)', () => cffEvents.map((e, i) => [structuredClone(e), rawQuery(log[i])]),
      async (batch) => { for (const [e, query] of batch as Array<[CffEvent, string]>) await cff(e, query); }],
  ];
  const results: NormalizeResult[] = [];
  for (const [label, copies, run] of builds) {
    for (let i = 0; i < 3; i++) await run(copies()); // warm-up
    const ns: number[] = [];
    const cpuNs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const batch = copies();
      const cpu = process.cpuUsage();
      const started = performance.now();
      await run(batch);
      ns.push(((performance.now() - started) * 1e6) / batch.length);
      const used = process.cpuUsage(cpu);
      cpuNs.push(((used.user + used.system) * 1e3) / batch.length);
    }
    results.push({ build: label, nsPerEvent: summarize(ns), cpuNsPerEvent: summarize(cpuNs) });
  }
  return results;
}

export interface CacheKeyResult {
  readonly requests: number;
  readonly outputs: number;
  readonly keys: Record<string, number>;
  /** Outputs that got more than one key, and keys shared by more than one output. */
  readonly splitOutputs: Record<string, number>;
  readonly mergedKeys: Record<string, number>;
}

export async function benchCacheKeys(root: string, config: Config, requests = 10000, outputs = 200): Promise<CacheKeyResult> {
  const log = requestLog(requests, outputs, config);
  const lambda = lambdaNormalizer();
  const cff = cffHandler(root);
  // The CDK app's own variant cache policy: its query allowlist and its Accept-Encoding rule.
  const policy = distributionPolicies(config).variantCache;
  const keyOf = (uri: string, query: string, acceptEncoding: string) => cacheKey(uri, forwardedQuery(query, policy.queryAllowlist), policy, acceptEncoding || undefined);
  const runs: Record<string, (r: GeneratedRequest) => Promise<string>> = {
    'Lambda@Edge': async (r) => {
      const event = lambdaEvent(r);
      const result = await lambda(event) as CloudFrontRequestResult;
      const checked = checkViewerRequestResult(event.Records[0].cf.request, result);
      if (isFailure(checked) || checked.kind !== 'request') throw new Error(`the normalizer answered ${r.uri}?${rawQuery(r)} itself`);
      return keyOf(checked.request.uri, checked.request.querystring, r.acceptEncoding);
    },
    'CloudFront Functions': async (r) => {
      const event = cffEvent(r);
      const result = JSON.parse(JSON.stringify(await cff(event, rawQuery(r))));
      const checked = checkCffViewerRequestResult(event.request as CffRequest, result);
      if (isFailure(checked) || checked.kind !== 'request') throw new Error(`the normalizer answered ${r.uri}?${rawQuery(r)} itself`);
      return keyOf(checked.request.uri, checked.request.querystring, r.acceptEncoding);
    },
  };
  const keys: Record<string, number> = {};
  const splitOutputs: Record<string, number> = {};
  const mergedKeys: Record<string, number> = {};
  for (const [build, run] of Object.entries(runs)) {
    const keysOfOutput = new Map<number, Set<string>>();
    const outputsOfKey = new Map<string, Set<number>>();
    for (const request of log) {
      const key = await run(request);
      if (!keysOfOutput.has(request.output)) keysOfOutput.set(request.output, new Set());
      keysOfOutput.get(request.output)!.add(key);
      if (!outputsOfKey.has(key)) outputsOfKey.set(key, new Set());
      outputsOfKey.get(key)!.add(request.output);
    }
    keys[build] = outputsOfKey.size;
    splitOutputs[build] = [...keysOfOutput.values()].filter((s) => s.size > 1).length;
    mergedKeys[build] = [...outputsOfKey.values()].filter((s) => s.size > 1).length;
  }
  return { requests, outputs, keys, splitOutputs, mergedKeys };
}
