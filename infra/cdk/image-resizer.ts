// The ImageResizer construct: a private bucket of originals behind CloudFront, the normalizer on
// viewer request and the resizer on origin response of every configured behaviour, and the
// purge-on-change function. A team adds it to a stack of its own CDK app; this repository's
// app (resizer-stack.ts) is one such user.
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig, type Config } from '../../shared/config';
import { resizerError } from '../../shared/errors';
import { KEY_VALUE_STORE_KEY } from '../../shared/signing';
import { viewerCertificate } from './domain';
import { Observability } from './observability';
import { compressedPathPatterns, corsRule, errorResponses, variantCachePolicy, viewerHeadersPolicy } from './policies';
import { PurgeOnChange } from './purge';
import { functionRole, wildcardFinding } from './roles';
import { webAcl } from './waf';

export const EDGE_REGION = 'us-east-1';
export const DEFAULT_DIST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist');

/** Lambda@Edge: x86_64 only, Node.js 22 the newest runtime it offers (CloudFront Developer Guide, "Restrictions on Lambda@Edge", Supported runtimes). */
export const EDGE_RUNTIME = lambda.Runtime.NODEJS_22_X;
const EDGE_RUNTIME_REASON = 'Lambda@Edge supports Node.js up to 22 (CloudFront Developer Guide, "Restrictions on Lambda@Edge", Supported runtimes): nodejs22.x is the newest runtime a function associated with a distribution may use; the regional purge function runs nodejs24.x';
const EDGE_ARCHITECTURE = lambda.Architecture.X86_64;
/** Viewer-request functions: keep within the 128 MB and 5 s that viewer triggers have always allowed. */
const VIEWER_MEMORY_MB = 128;
const VIEWER_TIMEOUT = Duration.seconds(5);

export interface ImageResizerProps {
  /** The content of a resizer.config.json (validated here, one line naming the bad key), or a parsed config. */
  readonly config: unknown;
  /** Where `npm run build` wrote the bundles. */
  readonly distDir?: string;
}

/** Cross-key rules the schema cannot express; the message names the key, like parseConfig's. */
export function checkDeployConfig(config: Config): void {
  const { deploy } = config;
  deploy.prodBehaviors.forEach((pattern, i) => {
    if (config.behaviors.indexOf(pattern) < 0) {
      throw resizerError(500, 'bad_config', `config key deploy.prodBehaviors[${i}] must be one of behaviors (${config.behaviors.join(', ')}), got ${JSON.stringify(pattern)}`);
    }
  });
  if (deploy.prodNormalizeVersion !== null && deploy.normalizer !== 'lambda-edge') {
    throw resizerError(500, 'bad_config', `config key deploy.prodNormalizeVersion must be null unless deploy.normalizer is "lambda-edge" (a CloudFront Function has no versions), got ${JSON.stringify(deploy.prodNormalizeVersion)}`);
  }
  if (deploy.domain) {
    if (deploy.domain.names.length === 0) {
      throw resizerError(500, 'bad_config', 'config key deploy.domain.names must be a non-empty list of host names when deploy.domain is set, got []');
    }
    if ((deploy.domain.certificateArn === null) === (deploy.domain.hostedZoneId === null)) {
      throw resizerError(500, 'bad_config', `config key deploy.domain must have exactly one of certificateArn (a certificate you made) and hostedZoneId (the stack makes one), got ${JSON.stringify(deploy.domain)}`);
    }
  }
}

function bundle(distDir: string, name: string): string {
  const dir = path.join(distDir, name);
  if (!existsSync(path.join(dir, 'index.js'))) throw new Error(`${dir}/index.js is missing: run npm run build first`);
  return dir;
}

/** The version a behaviour runs: the one named in config for prod behaviours, else this deploy's. */
function pinned(scope: Construct, id: string, fn: cloudfront.experimental.EdgeFunction, version: string | null): lambda.IVersion {
  return version === null ? fn.currentVersion : lambda.Version.fromVersionArn(scope, id, `${fn.lambda.functionArn}:${version}`);
}

export class ImageResizer extends Construct {
  readonly config: Config;
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly resizer: cloudfront.experimental.EdgeFunction;
  readonly purge: PurgeOnChange;
  /** The CloudFront Function's signing keys (signing.enabled with the cloudfront-function normalizer). */
  readonly signingKeys?: cloudfront.KeyValueStore;
  readonly logBucket?: s3.Bucket;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: ImageResizerProps) {
    super(scope, id);
    const config = parseConfig(props.config);
    this.config = config;
    const { deploy } = config;
    checkDeployConfig(config);
    const stack = Stack.of(this);
    if (stack.region !== EDGE_REGION) throw new Error(`ImageResizer must be in a stack in ${EDGE_REGION} (Lambda@Edge), got ${stack.region}`);
    const dist = props.distDir ?? DEFAULT_DIST_DIR;
    const names = { resize: `${deploy.stackName}-resize`, normalize: `${deploy.stackName}-normalize`, purge: `${deploy.stackName}-purge` };

    // Access logs (deploy.accessLogs): CloudFront standard logs under cloudfront/ and the originals
    // bucket's S3 server access logs under s3-originals/, expired after accessLogsRetentionDays.
    this.logBucket = deploy.accessLogs ? new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logging writes with an ACL grant to the awslogsdelivery account,
      // which a bucket with ACLs disabled (BUCKET_OWNER_ENFORCED) refuses.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(deploy.accessLogsRetentionDays) }],
      // Logs may be evidence; they expire on their own.
      removalPolicy: RemovalPolicy.RETAIN,
    }) : undefined;
    if (this.logBucket) {
      Validations.of(this.logBucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'This is the access log bucket itself: logging its own deliveries into itself would log every log write' });
    }

    this.bucket = new s3.Bucket(this, 'Originals', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // The originals are the one thing here that cannot be rebuilt.
      removalPolicy: RemovalPolicy.RETAIN,
      // Only to answer CORS preflights: CloudFront forwards OPTIONS to the origin, and S3
      // answers one from these rules. The headers on real answers come from the response
      // headers policy, which overrides S3's (originOverride).
      cors: [corsRule(config)],
      ...(this.logBucket ? { serverAccessLogsBucket: this.logBucket, serverAccessLogsPrefix: 's3-originals/' } : {}),
    });
    if (!this.logBucket) {
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason: 'Opt-in with deploy.accessLogs (off by default, as log storage costs money): the bucket is private and read only by this distribution through OAC, so its reads are the distribution\'s cache misses',
      });
    }

    // OAC, not the legacy OAI. LIST adds s3:ListBucket with the same AWS:SourceArn condition as
    // GetObject: without it S3 answers a missing key with 403, with it 404.
    const origin = origins.S3BucketOrigin.withOriginAccessControl(this.bucket, {
      originAccessLevels: [cloudfront.AccessLevel.READ, cloudfront.AccessLevel.LIST],
      ...(deploy.originShieldRegion ? { originShieldRegion: deploy.originShieldRegion } : {}),
    });

    // The resizer reads the original itself (the origin-response event carries no body); the
    // bucket is named by the event's origin, so nothing is baked in. grantRead would fail across
    // environments and adds more actions than GetObject.
    const readOriginals = new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects('*')] });
    const bucketId = stack.resolve((this.bucket.node.defaultChild as s3.CfnBucket).logicalId) as string;
    this.resizer = new cloudfront.experimental.EdgeFunction(this, 'Resize', {
      functionName: names.resize,
      description: 'Origin response: resizes the original into the canonical variant',
      runtime: EDGE_RUNTIME,
      architecture: EDGE_ARCHITECTURE,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(bundle(dist, 'resize')),
      memorySize: deploy.resizeMemoryMb,
      timeout: Duration.seconds(deploy.resizeTimeoutSeconds),
      role: functionRole(this, 'ResizeRole', names.resize, 'edge', [readOriginals]),
      // CloudFront keeps replicas of every version it ever ran; deleting an old version fails,
      // and prodResizeVersion may name one, so versions outlive the deploy that made them.
      currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
    });
    Validations.of(this.resizer.lambda).acknowledge({ id: 'AwsSolutions-L1', reason: EDGE_RUNTIME_REASON });
    Validations.of(this.node.findChild('ResizeRole')).acknowledge({
      id: wildcardFinding(`<${bucketId}.Arn>/*`),
      reason: 's3:GetObject on the objects of the originals bucket (and nothing else): the resizer reads whichever original a request names',
    });
    const resize = { latest: this.resizer.currentVersion, prod: pinned(this, 'ProdResizeVersion', this.resizer, deploy.prodResizeVersion) };

    // What runs on viewer request, for a latest (dev) or a prod behaviour.
    let viewerRequest: (prod: boolean) => { edgeLambdas: cloudfront.EdgeLambda[]; functionAssociations: cloudfront.FunctionAssociation[] };
    let normalizer: cloudfront.experimental.EdgeFunction | undefined;
    if (deploy.normalizer === 'lambda-edge') {
      const fn = new cloudfront.experimental.EdgeFunction(this, 'Normalize', {
        functionName: names.normalize,
        description: 'Viewer request: rewrites the query into its canonical form',
        runtime: EDGE_RUNTIME,
        architecture: EDGE_ARCHITECTURE,
        handler: 'index.handler',
        code: lambda.Code.fromAsset(bundle(dist, 'normalize')),
        memorySize: VIEWER_MEMORY_MB,
        timeout: VIEWER_TIMEOUT,
        role: functionRole(this, 'NormalizeRole', names.normalize, 'edge'),
        currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
      });
      Validations.of(fn.lambda).acknowledge({ id: 'AwsSolutions-L1', reason: EDGE_RUNTIME_REASON });
      const versions = { latest: fn.currentVersion, prod: pinned(this, 'ProdNormalizeVersion', fn, deploy.prodNormalizeVersion) };
      normalizer = fn;
      viewerRequest = (prod) => ({
        edgeLambdas: [{ eventType: cloudfront.LambdaEdgeEventType.VIEWER_REQUEST, functionVersion: prod ? versions.prod : versions.latest }],
        functionAssociations: [],
      });
    } else {
      // A CloudFront Function has no numbered versions (only a DEVELOPMENT and a LIVE stage), so
      // dev and prod share it; it is small, and tests pin its behaviour to the Lambda@Edge one.
      // Signing keys live in a KeyValueStore, filled outside CloudFormation (see the
      // SigningKeysStoreArn output), so rotating a key needs no deploy and no key is in a template.
      if (config.signing.enabled) {
        this.signingKeys = new cloudfront.KeyValueStore(this, 'SigningKeys', {
          keyValueStoreName: `${deploy.stackName}-signing-keys`,
          comment: `Signing keys of ${names.normalize}: key "${KEY_VALUE_STORE_KEY}", one key per line`,
        });
      }
      const fn = new cloudfront.Function(this, 'NormalizeFunction', {
        functionName: names.normalize,
        comment: 'Viewer request: rewrites the query into its canonical form',
        runtime: cloudfront.FunctionRuntime.JS_2_0,
        code: cloudfront.FunctionCode.fromFile({ filePath: path.join(bundle(dist, 'normalize-cff'), 'index.js') }),
        ...(this.signingKeys ? { keyValueStore: this.signingKeys } : {}),
      });
      viewerRequest = () => ({
        edgeLambdas: [],
        functionAssociations: [{ eventType: cloudfront.FunctionEventType.VIEWER_REQUEST, function: fn }],
      });
    }

    const cachePolicy = variantCachePolicy(this, 'VariantCachePolicy');
    const responseHeadersPolicy = viewerHeadersPolicy(this, 'ViewerHeadersPolicy', config);
    const common = {
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      // Preflights are cached too; Origin is not in the key, and the response headers policy
      // writes access-control-allow-origin per request.
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
      // Forwards Origin and the Access-Control-Request-* headers (not part of the cache key), so
      // S3 can answer a preflight ("Configuring CloudFront to respect CORS settings").
      originRequestPolicy: cloudfront.OriginRequestPolicy.CORS_S3_ORIGIN,
      responseHeadersPolicy,
    };
    // The normalizer runs on the viewer request of every behaviour, the default one included
    // (functions/normalize/behaviors.ts): a spelling of a key under a resizing behaviour that
    // CloudFront matched on another behaviour (`/dev%2Fphoto.jpg`: a reserved %2F is not decoded
    // for matching, S3 decodes it) is refused there instead of reaching S3 unchecked, and every
    // other path gets the path rules. One CloudFront Function is associated with all of them.
    const viewerOnly = (viewer: ReturnType<typeof viewerRequest>): Partial<cloudfront.BehaviorOptions> => ({
      ...(viewer.functionAssociations.length ? { functionAssociations: viewer.functionAssociations } : {}),
      ...(viewer.edgeLambdas.length ? { edgeLambdas: viewer.edgeLambdas } : {}),
    });
    const additionalBehaviors: Record<string, cloudfront.BehaviorOptions> = {};
    for (const pattern of config.behaviors) {
      const prod = deploy.prodBehaviors.indexOf(pattern) >= 0;
      const viewer = viewerRequest(prod);
      const functionAssociations = viewer.functionAssociations.length ? { functionAssociations: viewer.functionAssociations } : {};
      // SVGs first (CloudFront takes the first match): the resizer passes them through anyway,
      // so they skip it and are cached once per encoding, compressed, with the query out of the key.
      for (const svg of compressedPathPatterns(pattern)) {
        additionalBehaviors[svg] = {
          ...common,
          compress: true,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
          ...viewerOnly(viewer),
        };
      }
      additionalBehaviors[pattern] = {
        ...common,
        // Variants are raster images, which CloudFront does not compress; see variantCachePolicy.
        compress: false,
        cachePolicy,
        ...functionAssociations,
        edgeLambdas: [
          ...viewer.edgeLambdas,
          { eventType: cloudfront.LambdaEdgeEventType.ORIGIN_RESPONSE, functionVersion: prod ? resize.prod : resize.latest },
        ],
      };
    }

    const teamDomain = viewerCertificate(this, 'Domain', deploy.domain);
    const acl = deploy.waf ? webAcl(this, 'WebAcl', deploy.stackName, deploy.waf) : undefined;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `${deploy.stackName}: originals and resized variants`,
      // Everything else serves originals untouched, after the normalizer's path rules. It runs the
      // latest normalizer: the behaviours it guards are the ones this deploy's config baked in.
      defaultBehavior: { ...common, compress: true, cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED, ...viewerOnly(viewerRequest(false)) },
      additionalBehaviors,
      // With s3:ListBucket granted, a request for `/` would list the bucket's keys; a default
      // root object turns it into a request for one (absent) key, answered 404.
      defaultRootObject: 'index.html',
      // The config's values are CloudFront's own names, which the enum's values are too.
      priceClass: deploy.priceClass as cloudfront.PriceClass,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      errorResponses: errorResponses(config),
      ...(teamDomain ? { domainNames: [...deploy.domain!.names], certificate: teamDomain.certificate, minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 } : {}),
      ...(this.logBucket ? { enableLogging: true, logBucket: this.logBucket, logFilePrefix: 'cloudfront/' } : {}),
      ...(acl ? { webAclId: acl.attrArn } : {}),
    });
    this.acknowledgeDistributionFindings(config);

    Annotations.of(this.distribution).acknowledgeWarning('@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk', 'defaultRootObject is set, so / does not list the bucket');

    this.purge = new PurgeOnChange(this, 'PurgeOnChange', {
      bucket: this.bucket,
      distribution: this.distribution,
      functionName: names.purge,
      codeDir: bundle(dist, 'purge'),
    });

    teamDomain?.addAliasRecords(this.distribution);
    this.observability = new Observability(this, 'Observability', { config, distribution: this.distribution });
    // The CDK's own function that applies the bucket's notification configuration at deploy time.
    const notifications = stack.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (notifications) {
      Validations.of(notifications).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The role of aws-cdk-lib\'s BucketNotificationsHandler, a singleton custom resource that writes the S3 event notifications at deploy time; CDK creates it with the managed logging policy and offers no way to pass a role',
      });
    }

    const domain = this.distribution.distributionDomainName;
    new CfnOutput(this, 'DistributionDomainName', { value: domain });
    new CfnOutput(this, 'DistributionId', { value: this.distribution.distributionId, description: 'For aws cloudfront create-invalidation' });
    new CfnOutput(this, 'OriginalsBucketName', { value: this.bucket.bucketName });
    new CfnOutput(this, 'ExampleUrl', {
      value: `https://${domain}/${exampleKey(config)}?w=400`,
      description: 'Upload examples/bucket to the originals bucket first',
    });
    new CfnOutput(this, 'ResizeVersion', {
      value: this.resizer.version,
      description: 'The resizer version this deploy made (what dev runs): the number to set as deploy.prodResizeVersion once tested',
    });
    if (normalizer) {
      new CfnOutput(this, 'NormalizeVersion', {
        value: normalizer.version,
        description: 'The normalizer version this deploy made: the number for deploy.prodNormalizeVersion',
      });
    }
    if (this.signingKeys) {
      new CfnOutput(this, 'SigningKeysStoreArn', {
        value: this.signingKeys.keyValueStoreArn,
        description: `Put the signing keys (one per line) under the key "${KEY_VALUE_STORE_KEY}" with aws cloudfront-keyvaluestore put-key`,
      });
    }
    new CfnOutput(this, 'PurgeDeadLetterQueueUrl', { value: this.purge.deadLetters.queueUrl, description: 'Changes whose invalidation kept failing' });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName, description: 'CloudWatch dashboard in us-east-1' });
  }

  /** What cdk-nag reports on the distribution where config leaves an option off, and why that stands. */
  private acknowledgeDistributionFindings(config: Config): void {
    const { deploy } = config;
    const acknowledge = (id: string, reason: string) => Validations.of(this.distribution).acknowledge({ id, reason });
    if (!deploy.domain) {
      acknowledge('AwsSolutions-CFR4', 'Without deploy.domain the distribution serves only its *.cloudfront.net name with CloudFront\'s default certificate, for which CloudFront fixes the security policy at TLSv1 whatever MinimumProtocolVersion says (it applies only to a custom certificate served with SNI); set deploy.domain to serve TLSv1.2_2021 as the minimum');
    }
    if (!deploy.accessLogs) {
      acknowledge('AwsSolutions-CFR3', 'Opt-in with deploy.accessLogs (off by default: log storage costs money and most sites never read them); the resizer\'s own per-request log lines and metrics are always on');
    }
    if (!deploy.waf) {
      acknowledge('AwsSolutions-CFR2', 'Opt-in with deploy.waf (a rate limit per IP and the AWS managed common rule set, about $7 a month plus $0.60 per million requests); without it the normalizer still refuses malformed queries with 400 before any origin work');
    }
    acknowledge('AwsSolutions-CFR1', 'Images are public assets of the site that embeds them and are served worldwide; restricting countries is a business decision for the team, not a default');
  }
}

/** A key of the sample bucket (examples/bucket) under the first behaviour that is not prod. */
export function exampleKey(config: Config): string {
  const dev = config.behaviors.find((pattern) => config.deploy.prodBehaviors.indexOf(pattern) < 0) ?? config.behaviors[0];
  return `${dev.slice(0, -1)}photo.jpg`;
}
