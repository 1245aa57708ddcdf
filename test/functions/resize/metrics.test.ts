// The resizer's log line in CloudWatch embedded metric format: each outcome's line is checked
// against the EMF specification's rules (what CloudWatch Logs would refuse to extract), and the
// real handler's line is checked the same way.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHandler } from '../../../functions/resize/index';
import { LAMBDA_EDGE_REQUEST_USD, lambdaEdgeCostUsd } from '../../../shared/lambda-edge-prices';
import { emfLine, METRICS, metricNamespace, NO_FORMAT, OUTCOMES, type ResizeLog } from '../../../functions/resize/metrics';
import { resizerConfig } from '../../../functions/resize/runtime-config';
import { configWith } from '../../helpers/config';
import { originResponse } from '../../helpers/events';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const UNITS = new Set(['Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Count', 'Percent', 'None']);

/** The EMF specification's rules for one log event; returns what is wrong, empty when valid. */
function emfProblems(line: Json): string[] {
  const problems: string[] = [];
  const meta = line._aws;
  if (!meta || typeof meta.Timestamp !== 'number') return ['_aws.Timestamp must be a number'];
  if (!Array.isArray(meta.CloudWatchMetrics) || meta.CloudWatchMetrics.length === 0) return ['_aws.CloudWatchMetrics must be a non-empty array'];
  for (const directive of meta.CloudWatchMetrics) {
    if (typeof directive.Namespace !== 'string' || !/^[A-Za-z0-9.\-_/#:]{1,255}$/.test(directive.Namespace)) problems.push(`bad namespace ${directive.Namespace}`);
    for (const set of directive.Dimensions) {
      if (set.length > 30) problems.push('more than 30 dimensions');
      for (const key of set) if (typeof line[key] !== 'string' || line[key] === '') problems.push(`dimension ${key} must be a non-empty string member`);
    }
    if (directive.Metrics.length > 100) problems.push('more than 100 metrics');
    for (const metric of directive.Metrics) {
      if (typeof line[metric.Name] !== 'number' || !Number.isFinite(line[metric.Name])) problems.push(`metric ${metric.Name} must be a number member`);
      if (!UNITS.has(metric.Unit)) problems.push(`unit ${metric.Unit}`);
    }
  }
  return problems;
}

const LOGS: Record<(typeof OUTCOMES)[number], ResizeLog & Json> = {
  resized: { outcome: 'resized', key: 'prod/a.jpg', query: 'w=200&f=webp', status: 200, format: 'webp', bytesIn: 50000, bytesOut: 9000, quality: 80, width: 200, height: 150, ms: { fetch: 12.5, transform: 40.1, total: 55 } },
  'original-smaller': { outcome: 'original-smaller', key: 'prod/logo.png', query: 'w=300&f=png', status: 200, format: 'png', bytesIn: 800, bytesOut: 800, width: 300, height: 200, ms: { fetch: 5, transform: 8, total: 14 } },
  passthrough: { outcome: 'passthrough', query: '', reason: 'bare url', ms: { total: 0.2 } },
  rejected: { outcome: 'rejected', key: 'prod/big.jpg', query: 'w=200', status: 422, reason: 'source has 90000000 pixels, more than maxInputPixels 50000000', format: 'jpeg', bytesIn: 10, ms: { fetch: 3, total: 4 } },
  'fallback-image': { outcome: 'fallback-image', key: 'prod/fallback.png', query: 'w=200&f=webp', status: 404, format: 'webp', bytesIn: 20000, bytesOut: 4000, quality: 80, width: 200, height: 100, ms: { fetch: 10, transform: 30, total: 45 } },
  'fallback-too-large': { outcome: 'fallback-too-large', key: 'prod/noise.png', query: 'f=png', format: 'png', bytesIn: 3000000, reason: 'every variant exceeded 1048576 bytes', ms: { fetch: 20, transform: 900, total: 925 } },
  'fallback-error': { outcome: 'fallback-error', query: 'w=10', reason: 'connect ECONNREFUSED', ms: { total: 30 } },
};

for (const outcome of OUTCOMES) {
  test(`EMF: the ${outcome} line is valid, keeps its human fields and counts one request`, () => {
    const log = LOGS[outcome];
    const line = emfLine(log, metricNamespace('EdgeImageResizer'), 1764547200000) as Json;
    assert.equal(emfProblems(line), []);
    for (const field of ['key', 'query', 'reason', 'status', 'width', 'height']) assert.is(line[field], log[field], field);
    assert.equal(line.ms, log.ms);
    assert.is(line.Requests, 1);
    assert.is(line.outcome, outcome);
    assert.is(line.format, log.format || NO_FORMAT);
    assert.is(line._aws.Timestamp, 1764547200000);
    for (const stage of ['fetch', 'transform', 'total']) assert.is(line[`${stage}Ms`], log.ms[stage], stage);
  });
}

test('EMF: dimensions stay few: every metric by outcome, the request count by format, nothing else', () => {
  const line = emfLine(LOGS.resized, 'EdgeImageResizer/Test', 0) as Json;
  const [byOutcome, byFormat] = line._aws.CloudWatchMetrics;
  assert.equal(byOutcome.Dimensions, [['outcome']]);
  assert.equal(byOutcome.Metrics.map((m: Json) => m.Name).sort(), ['BytesIn', 'BytesOut', 'Quality', 'Requests', 'fetchMs', 'totalMs', 'transformMs']);
  assert.equal(byFormat.Dimensions, [['format']]);
  assert.equal(byFormat.Metrics, [{ Name: 'Requests', Unit: 'Count' }]);
  for (const metric of byOutcome.Metrics) assert.is(metric.Unit, METRICS[metric.Name as keyof typeof METRICS].unit);
  // A passthrough has no bytes or quality, so it publishes no such values.
  const passthrough = emfLine(LOGS.passthrough, 'EdgeImageResizer/Test', 0) as Json;
  assert.equal(passthrough._aws.CloudWatchMetrics[0].Metrics.map((m: Json) => m.Name), ['Requests', 'totalMs']);
});

test('EMF: the real handler writes one valid line per invocation, in the stack\'s namespace', async () => {
  const logs: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => { logs.push(args.join(' ')); };
  try {
    const config = configWith();
    // S3 on a closed loopback port: a real connection refusal, so the resizer falls back.
    const handler = createHandler(resizerConfig(config, { endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
    await handler(originResponse({ uri: '/prod/photo.jpg', querystring: '', contentType: 'image/jpeg' }));
    await handler(originResponse({ uri: '/prod/photo.jpg', querystring: 'w=200&f=webp', contentType: 'image/jpeg' }));
    assert.is(logs.length, 2);
    const [passthrough, fallback] = logs.map((l) => JSON.parse(l));
    for (const line of [passthrough, fallback]) {
      assert.equal(emfProblems(line), []);
      assert.is(line._aws.CloudWatchMetrics[0].Namespace, metricNamespace(config.deploy.stackName));
    }
    assert.is(passthrough.outcome, 'passthrough');
    assert.is(passthrough.reason, 'bare url');
    assert.is(fallback.outcome, 'fallback-error');
    assert.is(fallback.key, 'prod/photo.jpg');
    assert.is(fallback.Requests, 1);
    // The estimated bill: the request fee plus the handler's time at the configured memory.
    for (const line of [passthrough, fallback]) {
      assert.is(line.CostUsd, line.costUsd);
      assert.is(line.costUsd, lambdaEdgeCostUsd(line.ms.total, config.deploy.resizeMemoryMb));
      assert.ok(line.costUsd >= LAMBDA_EDGE_REQUEST_USD && line.costUsd < 0.001, String(line.costUsd));
    }
  } finally {
    console.log = original;
  }
});

test.run();
