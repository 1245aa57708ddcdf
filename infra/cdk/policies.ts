// The distribution's policies: what goes into the cache key, which headers reach the viewer,
// and how long errors are cached.
import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { Config } from '../../shared/config';
import { CACHE_KEY_PARAMS } from '../../shared/params';
import { SVG_CONTENT_SECURITY_POLICY } from '../../shared/responses';

/** "Query strings per cache policy: 10" (CloudFront Developer Guide, "Quotas on policies"). */
export const MAX_CACHE_KEY_QUERY_STRINGS = 10;

/** The status codes CloudFront lets a distribution set an error caching TTL for. */
export const ERROR_CACHING_STATUSES = [400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504] as const;

/** What CORS answers allow; OPTIONS so that a preflight is not refused by the method list. */
export const CORS_METHODS = ['GET', 'HEAD', 'OPTIONS'];

/**
 * The response headers a script on an allowed origin may read: the resizer's timings, and what
 * a range reader needs to read an original in parts, such as pdf.js, which fetches a PDF by
 * ranges only when it sees `Accept-Ranges: bytes` and the length (`Content-Length`, and
 * `Content-Range` on a 206). Without them a cross-origin reader sees none of the three.
 */
export const CORS_EXPOSED_HEADERS = ['server-timing', 'accept-ranges', 'content-range', 'content-length'];

/**
 * The canonical names as an allowlist while they fit in one (10); beyond that, every query
 * string, which is the same key: the normalizer leaves nothing but canonical names in the
 * query of a resizing behaviour.
 */
export function variantQueryStrings(): cloudfront.CacheQueryStringBehavior {
  return CACHE_KEY_PARAMS.length <= MAX_CACHE_KEY_QUERY_STRINGS
    ? cloudfront.CacheQueryStringBehavior.allowList(...CACHE_KEY_PARAMS)
    : cloudfront.CacheQueryStringBehavior.all();
}

/**
 * The variants' cache key: the canonical parameters and nothing else. The normalizer has
 * already folded `Accept` into `f` and dropped everything else from the query, so a header or
 * cookie in the key would only split the cache (and whatever is in the key is forwarded to S3).
 */
export function variantCachePolicy(scope: Construct, id: string): cloudfront.CachePolicy {
  return new cloudfront.CachePolicy(scope, id, {
    comment: 'Resized variants: the canonical query only; no headers, no cookies',
    queryStringBehavior: variantQueryStrings(),
    headerBehavior: cloudfront.CacheHeaderBehavior.none(),
    cookieBehavior: cloudfront.CacheCookieBehavior.none(),
    // No Accept-Encoding: with gzip or brotli enabled, CloudFront adds the viewer's normalized
    // Accept-Encoding to the key, so one variant would be resized and stored up to three times
    // (none, gzip, br) although CloudFront compresses no raster image type. SVGs under these paths
    // go to a behaviour of their own that compresses (compressedPathPatterns).
    // The resizer sets cache-control (config `cacheControl`) and `no-store` on fallbacks, so
    // the minimum must be 0; originals without cache-control stay a day; purge handles change.
    minTtl: Duration.seconds(0),
    defaultTtl: Duration.days(1),
    maxTtl: Duration.days(365),
  });
}

/** Originals under the resizing paths that CloudFront compresses (its list has SVG; PDF and rasters are not on it). */
export const COMPRESSIBLE_EXTENSIONS = ['svg'] as const;

/**
 * The behaviours that serve compressible originals under a resizing path, e.g. `dev/*.svg`. They
 * must come before the resizing behaviour they refine (CloudFront takes the first match).
 */
export function compressedPathPatterns(pattern: string): string[] {
  return COMPRESSIBLE_EXTENSIONS.map((extension) => `${pattern}.${extension}`);
}

/**
 * Headers for every answer, cached or not. CORS is added here rather than by S3 so that
 * `Origin` stays out of the cache key: the response headers policy is applied per request, so
 * an object first cached for an `<img>` still serves a fetch from an allowed origin.
 * Every behaviour uses this one policy, so the SVG sandbox below covers the `dev/*.svg`
 * behaviours (no resizer) and the default behaviour (no functions) as well as the resizing ones.
 */
export function viewerHeadersPolicy(scope: Construct, id: string, config: Config): cloudfront.ResponseHeadersPolicy {
  const origins = [...config.cors.allowedOrigins];
  return new cloudfront.ResponseHeadersPolicy(scope, id, {
    comment: 'CORS from cors.allowedOrigins (timings and ranges exposed), nosniff, SVG sandbox CSP, CORP cross-origin, Timing-Allow-Origin',
    corsBehavior: {
      // Never with credentials: `*` may not be combined with them, and images need no cookies.
      accessControlAllowCredentials: false,
      accessControlAllowOrigins: origins,
      accessControlAllowMethods: CORS_METHODS,
      // No request header changes the answer (none is in the cache key), so allowing any
      // exposes nothing; `*` is valid because credentials are off.
      accessControlAllowHeaders: ['*'],
      // So that fetch() can read the resizer's timings, not only the Resource Timing API, and
      // range readers the ranges (CORS_EXPOSED_HEADERS).
      accessControlExposeHeaders: CORS_EXPOSED_HEADERS,
      accessControlMaxAge: Duration.days(1),
      originOverride: true,
    },
    securityHeadersBehavior: {
      contentTypeOptions: { override: true },
      // On every answer, not only SVGs: a policy cannot match on content type, and SVGs are
      // served by every behaviour (dev/*.svg, the default behaviour, and dev/* for names without
      // .svg). A CSP governs only a document: an image shown by <img> or CSS ignores it, and a
      // raster opened directly still shows, so only an SVG (or HTML) opened directly is sandboxed.
      contentSecurityPolicy: { contentSecurityPolicy: SVG_CONTENT_SECURITY_POLICY, override: true },
    },
    customHeadersBehavior: {
      customHeaders: [
        // Lets pages on other origins embed the images under Cross-Origin-Embedder-Policy.
        { header: 'cross-origin-resource-policy', value: 'cross-origin', override: true },
        // Lets pages on the allowed origins read `server-timing` through the Resource Timing API.
        { header: 'timing-allow-origin', value: origins.join(', '), override: true },
        // CloudFront adds the CORS headers only to requests that carry `Origin` (API reference,
        // ResponseHeadersPolicyCorsConfig), so a browser must not reuse an `<img>` answer for a
        // CORS request; this replaces the resizer's `Vary: Accept`, so it keeps it.
        { header: 'vary', value: 'Accept, Origin', override: true },
      ],
    },
  });
}

/** The bucket's CORS rule, which S3 uses to answer preflights: the same origins as the headers policy. */
export function corsRule(config: Config): s3.CorsRule {
  return {
    allowedOrigins: [...config.cors.allowedOrigins],
    allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.HEAD],
    allowedHeaders: ['*'],
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: Duration.days(1).toSeconds(),
  };
}

/** Errors pass through (no error page) but are cached only briefly, so a fixed original shows soon. */
export function errorResponses(config: Config): cloudfront.ErrorResponse[] {
  return ERROR_CACHING_STATUSES.map((httpStatus) => ({ httpStatus, ttl: Duration.seconds(config.deploy.errorCachingSeconds) }));
}
