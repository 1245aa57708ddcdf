// Cost per million, from the measured durations. The resizer runs single-threaded (libvips
// concurrency 1: sharp's default on glibc Linux, which Lambda's is, and what sharp.concurrency()
// reports here), so a Lambda function at `memoryMb` gets min(1, memoryMb / 1769) of the one
// core this machine gave it: duration = measured ms / that share. Assumes one of this
// machine's cores is about one Lambda vCPU.
import { lambdaEdgeCostUsd } from '../shared/lambda-edge-prices';
import { FULL_VCPU_MB, PRICES } from './prices';

export function lambdaMs(measuredMs: number, memoryMb: number): number {
  return measuredMs / Math.min(1, memoryMb / FULL_VCPU_MB);
}

/** Dollars per million resizes: requests plus duration (1 ms billing granularity). */
export function perMillionTransforms(measuredMs: number, memoryMb: number): number {
  return 1e6 * lambdaEdgeCostUsd(lambdaMs(measuredMs, memoryMb), memoryMb);
}

/** Dollars per million cache hits: the CloudFront request and the viewer-request CloudFront Function (transfer apart). */
export function perMillionHits(): number {
  return 1e6 * (PRICES.cloudFrontHttpsRequest + PRICES.cloudFrontFunction);
}

export const COST_FORMULA =
  'transform = $0.60/M requests + ceil(ms at memory) / 1000 × memory GB × $0.00005001/GB-s; ms at memory = ms here / min(1, MB / 1769); ' +
  'hit = CloudFront HTTPS request $0.0100/10k + CloudFront Function $0.10/M (data transfer apart, $0.085/GB in the US)';

export interface MemoryRow { readonly memoryMb: number; readonly ms: number; readonly perMillion: number }

/** Cost per million transforms across memory sizes, for the mean measured transform. */
export function memorySweep(measuredMs: number, sizes: readonly number[] = [512, 1024, 1536, 1769, 2048, 3008]): MemoryRow[] {
  return sizes.map((memoryMb) => ({ memoryMb, ms: lambdaMs(measuredMs, memoryMb), perMillion: perMillionTransforms(measuredMs, memoryMb) }));
}

/** Issue 15's cost target for the webp and jpeg cases, dollars per million transforms. */
export const COST_TARGET_PER_MILLION = 3;

/**
 * Where a format stands against the cost target, from three prices of the same run: ours, the
 * least possible miss with our encoder settings, and the same with the format's fastest encoder
 * (bench/least-runner.ts).
 */
export function costVerdict(ours: number, least: number, fastest: number): string {
  if (ours <= COST_TARGET_PER_MILLION) return 'met';
  if (least <= COST_TARGET_PER_MILLION) return 'not met, but reachable with our encoder settings';
  if (fastest <= COST_TARGET_PER_MILLION) return 'not met, and reachable only with a faster encoder setting than ours';
  return 'out of reach in this run: even the fastest encoder costs more';
}
