// The distribution's policies as the CDK app defines them (infra/cdk/policies.ts): built in a
// scratch stack and read back as plain values, so the local edge applies exactly what would be
// deployed and the two can never drift apart.
import { App, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Config } from '../../shared/config';
import { CACHE_KEY_PARAMS } from '../../shared/params';
import { errorResponses, variantCachePolicy, viewerHeadersPolicy } from '../cdk/policies';

export interface CacheTtls {
  readonly minTtl: number;
  readonly defaultTtl: number;
  readonly maxTtl: number;
}

/** Whether a cache policy puts the normalized Accept-Encoding into the key (EnableAcceptEncodingGzip/Brotli). */
export interface AcceptEncodingKey {
  readonly gzip: boolean;
  readonly brotli: boolean;
}

/** What a cache policy puts into the cache key, and its TTLs. */
export interface CacheKeyPolicy extends CacheTtls {
  /** Query names in the key (and forwarded), in the policy's order; empty for none. */
  readonly queryAllowlist: readonly string[];
  readonly acceptEncoding: AcceptEncodingKey;
}

export interface CorsPolicy {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly allowCredentials: boolean;
  readonly maxAgeSeconds?: number;
  readonly originOverride: boolean;
}

export interface ViewerHeadersPolicy {
  readonly cors?: CorsPolicy;
  readonly customHeaders: ReadonlyArray<{ readonly header: string; readonly value: string; readonly override: boolean }>;
  /** x-content-type-options: nosniff, and whether it replaces the origin's. */
  readonly contentTypeOptions?: { readonly override: boolean };
  /** content-security-policy, and whether it replaces the origin's. */
  readonly contentSecurityPolicy?: { readonly value: string; readonly override: boolean };
}

export interface DistributionPolicies {
  /** The configured behaviours' cache policy. */
  readonly variantCache: CacheKeyPolicy;
  /** The default behaviour's managed policy. */
  readonly defaultCache: CacheKeyPolicy;
  readonly viewerHeaders: ViewerHeadersPolicy;
  /** Error caching minimum TTL per status, from the distribution's error responses. */
  readonly errorCachingSeconds: Readonly<Record<number, number>>;
}

/**
 * The managed CachingOptimized policy the default behaviour uses ("Use managed cache policies"):
 * TTLs 1 s / 1 day / 1 year, no query strings, headers or cookies in the key, Gzip and Brotli
 * enabled (so the normalized Accept-Encoding is in its key).
 */
export const CACHING_OPTIMIZED: CacheKeyPolicy = { minTtl: 1, defaultTtl: 86400, maxTtl: 31536000, queryAllowlist: [], acceptEncoding: { gzip: true, brotli: true } };

/** CloudFront's error caching minimum TTL where the distribution sets none. */
export const DEFAULT_ERROR_CACHING_SECONDS = 10;

interface ResolvedCachePolicy {
  minTtl: number;
  defaultTtl: number;
  maxTtl: number;
  parametersInCacheKeyAndForwardedToOrigin: {
    queryStringsConfig: { queryStringBehavior: string; queryStrings?: string[] };
    enableAcceptEncodingGzip: boolean;
    enableAcceptEncodingBrotli?: boolean;
  };
}

interface ResolvedHeadersPolicy {
  corsConfig?: {
    accessControlAllowCredentials: boolean;
    accessControlAllowHeaders: { items: string[] };
    accessControlAllowMethods: { items: string[] };
    accessControlAllowOrigins: { items: string[] };
    accessControlExposeHeaders?: { items: string[] };
    accessControlMaxAgeSec?: number;
    originOverride: boolean;
  };
  customHeadersConfig?: { items: Array<{ header: string; value: string; override: boolean }> };
  securityHeadersConfig?: {
    contentTypeOptions?: { override: boolean };
    contentSecurityPolicy?: { contentSecurityPolicy: string; override: boolean };
  };
}

/** The CloudFormation properties of a policy construct, tokens resolved. */
function resolvedConfig<T>(stack: Stack, construct: Construct, property: string): T {
  return stack.resolve((construct.node.defaultChild as unknown as Record<string, unknown>)[property]) as T;
}

/** Plain values from the CloudFormation shapes. Pure. */
export function fromResolved(cache: ResolvedCachePolicy, headers: ResolvedHeadersPolicy, errors: ReadonlyArray<{ status: number; seconds: number }>): DistributionPolicies {
  const key = cache.parametersInCacheKeyAndForwardedToOrigin;
  const query = key.queryStringsConfig;
  if (query.queryStringBehavior !== 'whitelist' && query.queryStringBehavior !== 'none' && query.queryStringBehavior !== 'all') {
    throw new Error(`the variant cache policy's query strings are "${query.queryStringBehavior}"; the local edge models an allowlist, all or none`);
  }
  // `all` behind the normalizer: the query holds only the canonical names, so keying on them is the same key.
  const queryAllowlist = query.queryStringBehavior === 'all' ? [...CACHE_KEY_PARAMS] : query.queryStrings || [];
  const cors = headers.corsConfig;
  const csp = headers.securityHeadersConfig?.contentSecurityPolicy;
  const errorCachingSeconds: Record<number, number> = {};
  for (const error of errors) errorCachingSeconds[error.status] = error.seconds;
  return {
    variantCache: {
      minTtl: cache.minTtl, defaultTtl: cache.defaultTtl, maxTtl: cache.maxTtl, queryAllowlist,
      acceptEncoding: { gzip: key.enableAcceptEncodingGzip === true, brotli: key.enableAcceptEncodingBrotli === true },
    },
    defaultCache: CACHING_OPTIMIZED,
    viewerHeaders: {
      cors: cors && {
        allowOrigins: cors.accessControlAllowOrigins.items,
        allowMethods: cors.accessControlAllowMethods.items,
        allowHeaders: cors.accessControlAllowHeaders.items,
        exposeHeaders: cors.accessControlExposeHeaders ? cors.accessControlExposeHeaders.items : [],
        allowCredentials: cors.accessControlAllowCredentials,
        maxAgeSeconds: cors.accessControlMaxAgeSec,
        originOverride: cors.originOverride,
      },
      customHeaders: headers.customHeadersConfig ? headers.customHeadersConfig.items : [],
      contentTypeOptions: headers.securityHeadersConfig?.contentTypeOptions,
      contentSecurityPolicy: csp && { value: csp.contentSecurityPolicy, override: csp.override },
    },
    errorCachingSeconds,
  };
}

/** Builds the CDK app's policies for `config` and reads them back. */
export function distributionPolicies(config: Config): DistributionPolicies {
  const stack = new Stack(new App(), 'LocalEdgePolicies');
  const cache = variantCachePolicy(stack, 'VariantCachePolicy');
  const headers = viewerHeadersPolicy(stack, 'ViewerHeadersPolicy', config);
  const errors = errorResponses(config).map((error) => ({
    status: error.httpStatus,
    seconds: error.ttl ? error.ttl.toSeconds() : DEFAULT_ERROR_CACHING_SECONDS,
  }));
  return fromResolved(
    resolvedConfig<ResolvedCachePolicy>(stack, cache, 'cachePolicyConfig'),
    resolvedConfig<ResolvedHeadersPolicy>(stack, headers, 'responseHeadersPolicyConfig'),
    errors,
  );
}
