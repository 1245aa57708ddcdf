// Scale on paper: monthly requests in, peak Lambda@Edge concurrency per region, the S3 GET rate,
// Origin Shield's effect and the monthly bill out, beside the same traffic through API Gateway
// plus Lambda as Serverless Image Handler deploys it. Every input is a row of SCALE_INPUTS;
// `npm run bench` replaces the transform times with this machine's measurements.
//   npx tsx bench/scale.ts      prints the table for 10 M, 1 B and 10 B requests a month
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lambdaMs } from './cost';
import { PRICES } from './prices';

export interface ScaleInputs {
  /** Share of viewer requests that the edge location's cache answers. */
  readonly edgeHitRatio: number;
  /** Share of edge misses that the regional edge cache answers without running the resizer. */
  readonly regionalHitRatio: number;
  /** Share of Origin Shield's requests for an original that it answers from its cache. */
  readonly originShieldHitRatio: number;
  /** Peak-hour request rate over the month's average rate. */
  readonly peakFactor: number;
  /** Where misses run: origin-facing Lambda@Edge runs in the region of the regional edge cache. */
  readonly regions: Readonly<Record<string, number>>;
  /** Share of transforms per output format, and each one's ms on one vCPU. */
  readonly mix: Readonly<Record<string, { readonly share: number; readonly ms: number }>>;
  readonly meanVariantBytes: number;
  readonly resizeMemoryMb: number;
  /** Serverless Image Handler's image-handler Lambda memory (its template's default). */
  readonly sihMemoryMb: number;
  /** Lambda's default concurrency quota per account and region, and S3's GET rate per prefix. */
  readonly concurrencyQuota: number;
  readonly s3GetsPerPrefixPerSecond: number;
}

export const SCALE_INPUTS: ScaleInputs = {
  edgeHitRatio: 0.9,
  regionalHitRatio: 0.5,
  originShieldHitRatio: 0.8,
  peakFactor: 3,
  regions: { 'us-east-1': 0.3, 'us-west-2': 0.15, 'eu-central-1': 0.2, 'eu-west-1': 0.1, 'ap-northeast-1': 0.15, 'ap-southeast-1': 0.1 },
  mix: { webp: { share: 0.6, ms: 40 }, avif: { share: 0.25, ms: 120 }, jpeg: { share: 0.15, ms: 30 } },
  meanVariantBytes: 20_000,
  resizeMemoryMb: 1536,
  sihMemoryMb: 1024,
  concurrencyQuota: 1000,
  s3GetsPerPrefixPerSecond: 5500,
};

export const SCALE_SCENARIOS = [10e6, 1e9, 10e9];

const SECONDS_PER_MONTH = 30 * 24 * 3600;

export interface ScaleRow {
  readonly monthlyRequests: number;
  readonly transforms: number;
  readonly peakConcurrency: Record<string, number>;
  readonly busiestRegion: string;
  readonly peakS3GetsPerSecond: { readonly withShield: number; readonly withoutShield: number };
  readonly s3GetsPerMonth: { readonly withShield: number; readonly withoutShield: number };
  readonly bill: { readonly ours: number; readonly oursWithShield: number; readonly sih: number };
}

function meanMs(inputs: ScaleInputs, memoryMb: number): number {
  let ms = 0;
  for (const { share, ms: t } of Object.values(inputs.mix)) ms += share * Math.ceil(lambdaMs(t, memoryMb));
  return ms;
}

export function scaleRow(monthlyRequests: number, inputs: ScaleInputs = SCALE_INPUTS): ScaleRow {
  const transforms = monthlyRequests * (1 - inputs.edgeHitRatio) * (1 - inputs.regionalHitRatio);
  const peakTransformsPerSecond = (transforms / SECONDS_PER_MONTH) * inputs.peakFactor;
  const ms = meanMs(inputs, inputs.resizeMemoryMb);
  const peakConcurrency: Record<string, number> = {};
  let busiestRegion = '';
  for (const [region, share] of Object.entries(inputs.regions)) {
    peakConcurrency[region] = peakTransformsPerSecond * share * (ms / 1000); // Little's law
    if (!busiestRegion || peakConcurrency[region] > peakConcurrency[busiestRegion]) busiestRegion = region;
  }
  // Each transform: CloudFront's own origin GET (which Origin Shield can answer) and the
  // resizer's GetObject of the original (always S3: Lambda@Edge cannot read the origin's body).
  const s3WithoutShield = transforms * 2;
  const s3WithShield = transforms * (1 + (1 - inputs.originShieldHitRatio));
  const cloudFront = monthlyRequests * (PRICES.cloudFrontHttpsRequest + PRICES.cloudFrontTransferGb * (inputs.meanVariantBytes / 1e9));
  const normalizer = monthlyRequests * PRICES.cloudFrontFunction;
  const resizer = transforms * (PRICES.lambdaEdgeRequest + (ms / 1000) * (inputs.resizeMemoryMb / 1024) * PRICES.lambdaEdgeGbSecond);
  const ours = cloudFront + normalizer + resizer + s3WithoutShield * PRICES.s3Get;
  const oursWithShield = cloudFront + normalizer + resizer + s3WithShield * PRICES.s3Get + transforms * PRICES.originShieldRequest;
  // Serverless Image Handler: CloudFront in front of API Gateway (REST) and a regional Lambda;
  // every CloudFront miss is an API Gateway request, a Lambda invocation and one S3 GET.
  const sihMs = meanMs(inputs, inputs.sihMemoryMb);
  const sih = cloudFront + transforms * (PRICES.apiGatewayRestRequest + PRICES.lambdaRequest + (sihMs / 1000) * (inputs.sihMemoryMb / 1024) * PRICES.lambdaGbSecond + PRICES.s3Get);
  return {
    monthlyRequests, transforms, peakConcurrency, busiestRegion,
    peakS3GetsPerSecond: { withShield: (s3WithShield / SECONDS_PER_MONTH) * inputs.peakFactor, withoutShield: (s3WithoutShield / SECONDS_PER_MONTH) * inputs.peakFactor },
    s3GetsPerMonth: { withShield: s3WithShield, withoutShield: s3WithoutShield },
    bill: { ours, oursWithShield, sih },
  };
}

function count(n: number): string {
  return n >= 1e9 ? `${+(n / 1e9).toFixed(1)} B` : n >= 1e6 ? `${+(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${+(n / 1e3).toFixed(1)} k` : n.toFixed(n < 10 ? 2 : 0);
}

function dollars(n: number): string {
  return `$${n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)}`;
}

export function scaleTable(inputs: ScaleInputs = SCALE_INPUTS): string[] {
  const lines = [
    '| requests / month | resizes | peak L@E concurrency, busiest region (quota) | peak S3 GET/s (per-prefix limit) | S3 GETs / month without → with Origin Shield | bill / month | with Origin Shield | API Gateway + Lambda (SIH) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const monthly of SCALE_SCENARIOS) {
    const r = scaleRow(monthly, inputs);
    lines.push(`| ${count(monthly)} | ${count(r.transforms)} | ${r.peakConcurrency[r.busiestRegion].toFixed(2)} in ${r.busiestRegion} (${inputs.concurrencyQuota}) | ${r.peakS3GetsPerSecond.withoutShield.toFixed(1)} → ${r.peakS3GetsPerSecond.withShield.toFixed(1)} (${inputs.s3GetsPerPrefixPerSecond}) | ${count(r.s3GetsPerMonth.withoutShield)} → ${count(r.s3GetsPerMonth.withShield)} | ${dollars(r.bill.ours)} | ${dollars(r.bill.oursWithShield)} | ${dollars(r.bill.sih)} |`);
  }
  return lines;
}

export function inputsTable(inputs: ScaleInputs = SCALE_INPUTS): string[] {
  const mix = Object.entries(inputs.mix).map(([f, m]) => `${f} ${Math.round(m.share * 100)}% at ${m.ms.toFixed(0)} ms`).join(', ');
  const regions = Object.entries(inputs.regions).map(([r, s]) => `${r} ${Math.round(s * 100)}%`).join(', ');
  return [
    `Inputs: edge hit ratio ${inputs.edgeHitRatio}, regional edge cache hit ratio on edge misses ${inputs.regionalHitRatio}, Origin Shield hit ratio for originals ${inputs.originShieldHitRatio}, ` +
    `peak hour ${inputs.peakFactor}x the average; regions ${regions}; variant mix ${mix} (one vCPU); mean variant ${Math.round(inputs.meanVariantBytes / 1000)} kB; ` +
    `resizer ${inputs.resizeMemoryMb} MB, SIH's Lambda ${inputs.sihMemoryMb} MB; bill = CloudFront requests and transfer + CloudFront Function + Lambda@Edge + S3 GETs (+ Origin Shield requests).`,
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  console.log([...inputsTable(), '', ...scaleTable()].join('\n'));
}
