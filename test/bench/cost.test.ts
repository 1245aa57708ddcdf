// npm run bench prices each format from the durations it measured (bench/cost.ts) and says where
// it stands against issue 15's $3 per million: 1 ms billed at 1,536 MB is about $0.075, so the
// verdict turns on a single billed millisecond, and a price exactly at the target meets it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COST_TARGET_PER_MILLION, costVerdict, lambdaMs, perMillionTransforms } from '../../bench/cost';

test('the price of a transform: $0.60 of request and each billed millisecond at 1,536 MB, time scaled to its share of a vCPU', () => {
  // 1,536 MB has 1536/1769 of a vCPU: 26.9 ms here is 31 ms there, 27.0 is 31.09, billed as 32.
  assert.ok(Math.abs(lambdaMs(26.9, 1536) - 26.9 * 1769 / 1536) < 1e-9);
  assert.ok(Math.abs(perMillionTransforms(26.9, 1536) - (0.6 + 31 * 1.5 * 0.05001)) < 1e-9, String(perMillionTransforms(26.9, 1536)));
  assert.ok(perMillionTransforms(26.9, 1536) <= COST_TARGET_PER_MILLION);
  assert.ok(perMillionTransforms(27.0, 1536) > COST_TARGET_PER_MILLION, String(perMillionTransforms(27.0, 1536)));
});

test('the verdict: met, reachable with our encoder, reachable only with a faster one, or out of reach', () => {
  assert.is(costVerdict(3, 2.9, 2.8), 'met');
  assert.is(costVerdict(3.0005, 3, 2.8), 'not met, but reachable with our encoder settings');
  assert.is(costVerdict(3.23, 3.08, 2.93), 'not met, and reachable only with a faster encoder setting than ours');
  assert.is(costVerdict(3.23, 3.08, 3.0005), 'out of reach in this run: even the fastest encoder costs more');
});

test.run();
