// Reading the resizer's log line, today's JSON and CloudWatch embedded metric format alike.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatMetrics, MetricsSummary, parseResizerLog, percentile } from '../../../infra/local/metrics';

const metrics = suite('local edge metrics');

const TODAY = JSON.stringify({ outcome: 'resized', key: 'dev/photo.jpg', query: 'w=320&f=webp', bytesIn: 1258291, bytesOut: 12595, format: 'webp', width: 320, height: 213, quality: 80, ms: { fetch: 8.2, decode: 30.4, resize: 12, encode: 40.1, total: 95.3 } });

const EMF = JSON.stringify({
  _aws: { Timestamp: 1764582000000, CloudWatchMetrics: [{ Namespace: 'EdgeImageResizer', Dimensions: [['outcome', 'format']], Metrics: [{ Name: 'fetchMs', Unit: 'Milliseconds' }, { Name: 'totalMs', Unit: 'Milliseconds' }, { Name: 'bytesIn', Unit: 'Bytes' }] }] },
  outcome: 'fallback-too-large', format: 'jpeg', fetchMs: 5, encodeMs: 200.5, totalMs: 230, bytesIn: 2048, bytesOut: 900000, quality: 25,
});

metrics('today\'s JSON line and an EMF line read into the same shape', () => {
  assert.equal(parseResizerLog(TODAY), {
    outcome: 'resized', format: 'webp', quality: 80, bytesIn: 1258291, bytesOut: 12595, width: 320, height: 213, key: 'dev/photo.jpg', reason: undefined,
    ms: { fetch: 8.2, decode: 30.4, resize: 12, encode: 40.1, total: 95.3 },
  });
  const emf = parseResizerLog(EMF)!;
  assert.equal([emf.outcome, emf.format, emf.quality, emf.bytesIn, emf.bytesOut], ['fallback-too-large', 'jpeg', 25, 2048, 900000]);
  assert.equal(emf.ms, { fetch: 5, encode: 200.5, total: 230 });
});

metrics('anything else is not the resizer\'s line', () => {
  for (const line of ['GET /x 200', '', '[1,2]', '{"ms":{}}', '{"outcome":3}', '{not json']) assert.is(parseResizerLog(line), null, line);
});

metrics('one readable line per invocation', () => {
  assert.is(formatMetrics(parseResizerLog(TODAY)!), 'resizer resized webp q80 320x213 · 1.2 MB → 12.3 KB · fetch 8ms decode 30ms resize 12ms encode 40ms total 95ms');
  assert.is(formatMetrics(parseResizerLog(JSON.stringify({ outcome: 'passthrough', reason: 'bare url', ms: { total: 0.2 } }))!), 'resizer passthrough · total 0ms · bare url');
});

metrics('the summary: variants made, hit rate over hits and misses, p50 and p99 per stage', () => {
  const summary = new MetricsSummary();
  for (const xCache of ['Miss from cloudfront', 'Hit from cloudfront', 'Hit from cloudfront', 'Error from cloudfront', 'Hit from cloudfront']) summary.recordRequest(xCache);
  for (let i = 1; i <= 100; i++) summary.recordResizer({ outcome: i % 10 ? 'resized' : 'passthrough', ms: { total: i } });
  const snapshot = summary.snapshot();
  assert.equal([snapshot.requests, snapshot.hits, snapshot.misses, snapshot.hitRate], [5, 3, 1, 0.75]);
  assert.equal([snapshot.variantsMade, snapshot.outcomes.passthrough], [90, 10]);
  assert.equal(snapshot.stages.total, { count: 100, p50: 50, p99: 99 });
  assert.is(percentile([], 50), 0);
});

metrics.run();
