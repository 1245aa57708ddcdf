// Lambda@Edge's list prices (US, on demand; read 2026-12-01 from aws.amazon.com/cloudfront/pricing
// and shared/reference/edge-rules.md): one definition for the resizer's per-request cost estimate
// in its log line and for npm run bench's cost figures (bench/prices.ts).

/** Per request. */
export const LAMBDA_EDGE_REQUEST_USD = 0.6 / 1e6;
/** Per GB-second of configured memory, billed per millisecond. */
export const LAMBDA_EDGE_GB_SECOND_USD = 0.00005001;

/** A request's estimated bill: the request fee plus its duration, rounded up to the millisecond, at `memoryMb`. */
export function lambdaEdgeCostUsd(durationMs: number, memoryMb: number): number {
  return LAMBDA_EDGE_REQUEST_USD + (Math.ceil(durationMs) / 1000) * (memoryMb / 1024) * LAMBDA_EDGE_GB_SECOND_USD;
}
