// Prices the cost figures use: US / us-east-1 on-demand list prices, free tiers left out.
// Each row says where it was read on PRICES_READ_ON (with the search tool's stored pages; the
// machine has no other network) or that it was not found there and is AWS's list price as
// this project knew it: check those before relying on a figure.
import { LAMBDA_EDGE_GB_SECOND_USD, LAMBDA_EDGE_REQUEST_USD } from '../shared/lambda-edge-prices';

export const PRICES_READ_ON = '2026-12-01';

interface Price { readonly dollars: number; readonly per: string; readonly source: string }

const READ_EDGE = 'read: aws.amazon.com/cloudfront/pricing (stored copy) and shared/reference/edge-rules.md';
const UNVERIFIED = 'not found in the stored pages: list price as known, verify';

export const PRICE_TABLE = {
  lambdaEdgeRequest: { dollars: LAMBDA_EDGE_REQUEST_USD, per: 'Lambda@Edge request ($0.60 per million)', source: READ_EDGE },
  lambdaEdgeGbSecond: { dollars: LAMBDA_EDGE_GB_SECOND_USD, per: 'Lambda@Edge GB-second, billed per ms', source: READ_EDGE },
  cloudFrontFunction: { dollars: 0.1 / 1e6, per: 'CloudFront Functions invocation ($0.10 per million)', source: READ_EDGE },
  cloudFrontTransferGb: { dollars: 0.085, per: 'CloudFront data transfer out, US, first 10 TB, GB', source: 'read: aws.amazon.com/cloudfront/pricing (stored copy)' },
  cloudFrontHttpsRequest: { dollars: 0.01 / 1e4, per: 'CloudFront HTTPS request, US ($0.0100 per 10,000)', source: UNVERIFIED },
  originShieldRequest: { dollars: 0.0075 / 1e4, per: 'Origin Shield request, US regions ($0.0075 per 10,000)', source: UNVERIFIED },
  s3Get: { dollars: 0.0004 / 1e3, per: 'S3 Standard GET ($0.0004 per 1,000)', source: UNVERIFIED },
  apiGatewayRestRequest: { dollars: 3.5 / 1e6, per: 'API Gateway REST request, first 333 M a month ($3.50 per million)', source: 'read: third-party cost tables (gist.github.com) quoting AWS; verify' },
  lambdaRequest: { dollars: 0.2 / 1e6, per: 'regional Lambda request ($0.20 per million)', source: 'read: aws-lambda pricing transcription (api-evangelist, 2026-09-20)' },
  lambdaGbSecond: { dollars: 0.0000166667, per: 'regional Lambda x86 GB-second', source: 'read: third-party calculators quoting aws.amazon.com/lambda/pricing; verify' },
} as const satisfies Record<string, Price>;

export const PRICES: { readonly [K in keyof typeof PRICE_TABLE]: number } = Object.fromEntries(
  Object.entries(PRICE_TABLE).map(([name, price]) => [name, price.dollars]),
) as { readonly [K in keyof typeof PRICE_TABLE]: number };

/** Lambda's CPU share grows with memory up to one full vCPU at 1,769 MB (AWS Lambda docs). */
export const FULL_VCPU_MB = 1769;
