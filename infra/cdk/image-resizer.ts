// The ImageResizer construct: originals in S3 behind CloudFront, the normalizer on viewer
// request and the resizer on origin response of every configured behaviour, and the
// purge-on-change function. A team adds it to a stack of its own CDK app, in any region, with
// its existing bucket (any region) or a new one and its existing distribution or a new one;
// this repository's app (resizer-stack.ts) is one such user. The Lambda@Edge functions are in
// us-east-1, where Lambda@Edge requires them: in the stack itself when it is there, otherwise in
// the support stack CDK's EdgeFunction makes there (with their roles, so that nothing of theirs
// is a cross-region reference).
import { Annotations, ArnFormat, Aws, CfnOutput, Duration, Names, RemovalPolicy, Stack, Stage, Token, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { parseConfig, type Config } from '../../shared/config';
import { resizerError } from '../../shared/errors';
import { KEY_VALUE_STORE_KEY, parseSigningKeys } from '../../shared/signing';
import { ASSETS_DIR } from './assets-dir';
import { stageBundles } from './bundles';
import { viewerCertificate } from './domain';
import { Observability } from './observability';
import { compressedPathPatterns, corsRule, errorResponses, variantCachePolicy, viewerHeadersPolicy } from './policies';
import { PurgeOnChange } from './purge';
import { functionRole, wildcardFinding } from './roles';
import { webAcl } from './waf';

export const EDGE_REGION = 'us-east-1';

/** Lambda@Edge: x86_64 only, Node.js 22 the newest runtime it offers (CloudFront Developer Guide, "Restrictions on Lambda@Edge", Supported runtimes). */
export const EDGE_RUNTIME = lambda.Runtime.NODEJS_22_X;
const EDGE_RUNTIME_REASON = 'Lambda@Edge supports Node.js up to 22 (CloudFront Developer Guide, "Restrictions on Lambda@Edge", Supported runtimes): nodejs22.x is the newest runtime a function associated with a distribution may use; the regional purge function runs nodejs24.x';
const EDGE_ARCHITECTURE = lambda.Architecture.X86_64;
/** Viewer-request functions: keep within the 128 MB and 5 s that viewer triggers have always allowed. */
const VIEWER_MEMORY_MB = 128;
const VIEWER_TIMEOUT = Duration.seconds(5);

/** S3's bucket naming rules, in short (General purpose bucket naming rules). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** An existing bucket of originals, named as S3 knows it, in the region it was created in. */
export interface ImportedBucket {
  readonly bucketName: string;
  readonly region: string;
}

export interface ImageResizerProps {
  /**
   * The content of a resizer.config.json: validated as `npm run build` validates the file, a bad
   * key failing the synth with one line naming it. Default: every key's default.
   */
  readonly config?: unknown;
  /**
   * The team's existing bucket of originals, in any region: `{ bucketName, region }`, or a bucket
   * imported with s3.Bucket.fromBucketAttributes (its region, else the stack's). Its bucket policy is not changed (the
   * OriginalsBucketPolicyCommand output is the one command that adds the distribution's read
   * access); its event notifications for purge are added beside the ones it has, when the stack
   * is in the bucket's region. Default: a new private bucket in the stack's region.
   */
  readonly bucket?: ImportedBucket | s3.IBucket;
  /**
   * An existing Distribution of the same stack to add the resizing behaviours to (its default
   * behaviour and its settings stay the team's). Default: a new distribution.
   */
  readonly distribution?: cloudfront.Distribution;
  /** The keys baked into the Lambda@Edge normalizer when signing.enabled and deploy.normalizer is "lambda-edge", one string each. */
  readonly signingKeys?: readonly string[];
  /** The folder of bundle templates. Default: the package's own. */
  readonly assetsDir?: string;
}

function configError(message: string): never {
  throw resizerError(500, 'bad_config', message);
}

/** Cross-key rules the schema cannot express; the message names the key, like parseConfig's. */
export function checkDeployConfig(config: Config): void {
  const { deploy } = config;
  deploy.prodBehaviors.forEach((pattern, i) => {
    if (config.behaviors.indexOf(pattern) < 0) {
      configError(`config key deploy.prodBehaviors[${i}] must be one of behaviors (${config.behaviors.join(', ')}), got ${JSON.stringify(pattern)}`);
    }
  });
  if (deploy.prodNormalizeVersion !== null && deploy.normalizer !== 'lambda-edge') {
    configError(`config key deploy.prodNormalizeVersion must be null unless deploy.normalizer is "lambda-edge" (a CloudFront Function has no versions), got ${JSON.stringify(deploy.prodNormalizeVersion)}`);
  }
  if (deploy.domain) {
    if (deploy.domain.names.length === 0) {
      configError('config key deploy.domain.names must be a non-empty list of host names when deploy.domain is set, got []');
    }
    if ((deploy.domain.certificateArn === null) === (deploy.domain.hostedZoneId === null)) {
      configError(`config key deploy.domain must have exactly one of certificateArn (a certificate you made) and hostedZoneId (the stack makes one), got ${JSON.stringify(deploy.domain)}`);
    }
  }
}

/** The rules that depend on where the construct is and what it is given, one line each. */
function checkPlacement(config: Config, stack: Stack, props: ImageResizerProps, imported: ImportedBucket | undefined): void {
  const { deploy } = config;
  if (Token.isUnresolved(stack.region)) {
    configError(`ImageResizer needs a stack with an explicit region (env: { region }), as Lambda@Edge functions are made in ${EDGE_REGION} from it; stack ${stack.stackName} has none`);
  }
  if (imported) {
    if (typeof imported.bucketName !== 'string' || !BUCKET_NAME.test(imported.bucketName)) configError(`ImageResizer bucket.bucketName must be an S3 bucket name like "my-originals", got ${JSON.stringify(imported.bucketName)}`);
    if (typeof imported.region !== 'string' || !AWS_REGION.test(imported.region)) configError(`ImageResizer bucket.region must be the bucket's AWS region like "eu-west-1", got ${JSON.stringify(imported.region)}`);
  }
  if (props.distribution) {
    const theirs = Stack.of(props.distribution);
    if (theirs !== stack) configError(`ImageResizer distribution must be in the ImageResizer's own stack (${stack.node.path}), got one in ${theirs.node.path}`);
    if (deploy.domain) configError('config key deploy.domain must be null with an existing distribution (its names and certificate are the distribution\'s own), got ' + JSON.stringify(deploy.domain));
    if (deploy.waf) configError('config key deploy.waf must be null with an existing distribution (attach a web ACL to it with webAclId), got ' + JSON.stringify(deploy.waf));
  }
  if (stack.region !== EDGE_REGION) {
    if (deploy.waf) configError(`config key deploy.waf must be null in a stack outside ${EDGE_REGION} (a CloudFront web ACL is made there; the stack is in ${stack.region}), got ${JSON.stringify(deploy.waf)}`);
    if (deploy.domain && deploy.domain.hostedZoneId) configError(`config key deploy.domain.hostedZoneId must be null in a stack outside ${EDGE_REGION} (CloudFront's certificate must be made there; the stack is in ${stack.region}): make the certificate in ${EDGE_REGION} and set certificateArn, got ${JSON.stringify(deploy.domain.hostedZoneId)}`);
  }
  if (config.signing.enabled && deploy.normalizer === 'lambda-edge') {
    // The keys are baked into the function: the same rules as a SIGNING_KEYS_FILE.
    parseSigningKeys((props.signingKeys ?? []).join('\n'), 'ImageResizer signingKeys (signing.enabled with deploy.normalizer "lambda-edge")');
  }
}

/** The team's bucket as a name and a region, from either form the props take. */
function importedBucket(bucket: ImageResizerProps['bucket'], stack: Stack): ImportedBucket | undefined {
  if (!bucket) return undefined;
  if (!('bucketArn' in bucket)) return bucket;
  if (Token.isUnresolved(bucket.bucketName)) {
    configError('ImageResizer bucket must be an existing bucket named at synth ({ bucketName, region } or s3.Bucket.fromBucketAttributes); leave it out for a new one');
  }
  return { bucketName: bucket.bucketName, region: Token.isUnresolved(bucket.env.region) ? stack.region : bucket.env.region };
}

/** A config as given to the construct: parsed and checked, each error one line naming the key. */
function resizerConfig(raw: unknown): Config {
  const config = parseConfig(raw === undefined ? {} : raw);
  checkDeployConfig(config);
  return config;
}

/** How cdk-nag writes a resolved value in a finding's name (`<Logical.Attr>`, `<AWS::Partition>`). */
function nagText(resolved: unknown): string {
  if (typeof resolved === 'string') return resolved;
  const value = resolved as Record<string, unknown>;
  if (value && Array.isArray(value['Fn::Join'])) {
    const [separator, parts] = value['Fn::Join'] as [string, unknown[]];
    return parts.map(nagText).join(separator);
  }
  if (value && typeof value.Ref === 'string') return `<${value.Ref}>`;
  if (value && Array.isArray(value['Fn::GetAtt'])) return `<${(value['Fn::GetAtt'] as string[]).join('.')}>`;
  return JSON.stringify(resolved);
}

/**
 * Where the Lambda@Edge functions and their roles go: this construct in a us-east-1 stack, else
 * the support stack in us-east-1 that CDK's EdgeFunction uses (its default id, so EdgeFunction
 * finds this one and adds the stack dependency itself).
 */
function edgeStackOf(stack: Stack): Stack | undefined {
  if (stack.region === EDGE_REGION) return undefined;
  const id = `edge-lambda-stack-${stack.node.addr}`;
  const stage = Stage.of(stack)!;
  return (stage.node.tryFindChild(id) as Stack | undefined) ?? new Stack(stage, id, { env: { region: EDGE_REGION, account: stack.account }, tags: stack.tags.tagValues() });
}

export class ImageResizer extends Construct {
  readonly config: Config;
  /** The bucket of originals: the new one, or the team's imported one. */
  readonly bucket: s3.IBucket;
  /** The distribution: the new one, or the team's own. */
  readonly distribution: cloudfront.Distribution;
  readonly resizer: cloudfront.experimental.EdgeFunction;
  /** Purge on change; undefined for an imported bucket in another region than the stack. */
  readonly purge?: PurgeOnChange;
  /** The CloudFront Function's signing keys (signing.enabled with the cloudfront-function normalizer). */
  readonly signingKeys?: cloudfront.KeyValueStore;
  readonly logBucket?: s3.Bucket;
  readonly observability: Observability;

  /** The error caching an existing distribution should carry (a new one has it): pass to its errorResponses. */
  static errorResponses(config?: unknown): cloudfront.ErrorResponse[] {
    return errorResponses(resizerConfig(config));
  }

  constructor(scope: Construct, id: string, props: ImageResizerProps = {}) {
    super(scope, id);
    const config = resizerConfig(props.config);
    this.config = config;
    const { deploy } = config;
    const stack = Stack.of(this);
    const imported = importedBucket(props.bucket, stack);
    checkPlacement(config, stack, props, imported);
    const edgeStack = edgeStackOf(stack);
    // The roles of the edge functions live beside them; in the support stack, under this construct's unique id.
    const edgeScope: Construct = edgeStack ?? this;
    const edgeId = (name: string) => (edgeStack ? `${Names.uniqueId(this)}${name}` : name);
    const bundles = stageBundles(props.assetsDir ?? ASSETS_DIR, config, props.signingKeys ?? []);
    const names = { resize: `${deploy.stackName}-resize`, normalize: `${deploy.stackName}-normalize`, purge: `${deploy.stackName}-purge` };

    // Access logs (deploy.accessLogs): CloudFront standard logs under cloudfront/ and the originals
    // bucket's S3 server access logs under s3-originals/, expired after accessLogsRetentionDays.
    const logsWanted = deploy.accessLogs && !(imported && props.distribution);
    this.logBucket = logsWanted ? new s3.Bucket(this, 'AccessLogs', {
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
    if (deploy.accessLogs && (imported || props.distribution)) {
      Annotations.of(this).addInfo(`deploy.accessLogs: ${[imported ? `the imported bucket ${imported.bucketName} keeps its own server access logging settings` : '', props.distribution ? 'the existing distribution keeps its own logging settings' : ''].filter(Boolean).join('; ')}`);
    }

    if (imported) {
      this.bucket = s3.Bucket.fromBucketAttributes(this, 'Originals', { bucketName: imported.bucketName, region: imported.region });
    } else {
      const bucket = new s3.Bucket(this, 'Originals', {
        // Named when the resizer's role (in us-east-1) must name it: a reference across regions
        // is not allowed, but a name made of the account's pseudo parameter reads the same in both stacks.
        ...(edgeStack ? { bucketName: newBucketName(this, config) } : {}),
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
        Validations.of(bucket).acknowledge({
          id: 'AwsSolutions-S1',
          reason: 'Opt-in with deploy.accessLogs (off by default, as log storage costs money): the bucket is private and read only by this distribution through OAC, so its reads are the distribution\'s cache misses',
        });
      }
      this.bucket = bucket;
    }

    // OAC, not the legacy OAI. LIST adds s3:ListBucket with the same AWS:SourceArn condition as
    // GetObject: without it S3 answers a missing key with 403, with it 404. The origin's domain
    // is the bucket's regional one (bucket.s3.<region>.amazonaws.com), whatever region that is.
    const origin = origins.S3BucketOrigin.withOriginAccessControl(this.bucket, {
      originAccessLevels: [cloudfront.AccessLevel.READ, cloudfront.AccessLevel.LIST],
      ...(deploy.originShieldRegion ? { originShieldRegion: deploy.originShieldRegion } : {}),
    });

    // The resizer reads the original itself (the origin-response event carries no body), in the
    // bucket's region, which the origin's domain names. grantRead would fail across
    // environments and adds more actions than GetObject.
    const objects = edgeStack ? `arn:${Aws.PARTITION}:s3:::${bucketNameFor(this, config, imported)}/*` : this.bucket.arnForObjects('*');
    const readOriginals = new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] });
    const resizeRole = functionRole(edgeScope, edgeId('ResizeRole'), names.resize, 'edge', [readOriginals]);
    this.resizer = new cloudfront.experimental.EdgeFunction(this, 'Resize', {
      functionName: names.resize,
      description: 'Origin response: resizes the original into the canonical variant',
      runtime: EDGE_RUNTIME,
      architecture: EDGE_ARCHITECTURE,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(bundles.resize),
      memorySize: deploy.resizeMemoryMb,
      timeout: Duration.seconds(deploy.resizeTimeoutSeconds),
      role: resizeRole,
      // CloudFront keeps replicas of every version it ever ran; deleting an old version fails,
      // and prodResizeVersion may name one, so versions outlive the deploy that made them.
      currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
    });
    Validations.of(this.resizer.lambda).acknowledge({ id: 'AwsSolutions-L1', reason: EDGE_RUNTIME_REASON });
    Validations.of(resizeRole).acknowledge({
      id: wildcardFinding(nagText(Stack.of(resizeRole).resolve(objects))),
      reason: 's3:GetObject on the objects of the originals bucket (and nothing else): the resizer reads whichever original a request names',
    });
    /** The version a behaviour runs: the one named in config for prod behaviours, else this deploy's. */
    const pinned = (pinId: string, fn: cloudfront.experimental.EdgeFunction, functionName: string, version: string | null): lambda.IVersion => {
      if (version === null) return fn.currentVersion;
      // Across regions the function's ARN is not a reference this stack may hold; its name is fixed.
      const arn = edgeStack
        ? stack.formatArn({ service: 'lambda', region: EDGE_REGION, resource: 'function', resourceName: `${functionName}:${version}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })
        : `${fn.lambda.functionArn}:${version}`;
      return lambda.Version.fromVersionArn(this, pinId, arn);
    };
    const resize = { latest: this.resizer.currentVersion, prod: pinned('ProdResizeVersion', this.resizer, names.resize, deploy.prodResizeVersion) };

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
        code: lambda.Code.fromAsset(bundles.normalize),
        memorySize: VIEWER_MEMORY_MB,
        timeout: VIEWER_TIMEOUT,
        role: functionRole(edgeScope, edgeId('NormalizeRole'), names.normalize, 'edge'),
        currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
      });
      Validations.of(fn.lambda).acknowledge({ id: 'AwsSolutions-L1', reason: EDGE_RUNTIME_REASON });
      const versions = { latest: fn.currentVersion, prod: pinned('ProdNormalizeVersion', fn, names.normalize, deploy.prodNormalizeVersion) };
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
        code: cloudfront.FunctionCode.fromFile({ filePath: bundles.normalizeCff }),
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
    // In order: CloudFront takes the first match, so each SVG behaviour comes before the resizing one it refines.
    const behaviors: Array<[string, cloudfront.AddBehaviorOptions]> = [];
    for (const pattern of config.behaviors) {
      const prod = deploy.prodBehaviors.indexOf(pattern) >= 0;
      const viewer = viewerRequest(prod);
      const functionAssociations = viewer.functionAssociations.length ? { functionAssociations: viewer.functionAssociations } : {};
      // SVGs first (CloudFront takes the first match): the resizer passes them through anyway,
      // so they skip it and are cached once per encoding, compressed, with the query out of the key.
      for (const svg of compressedPathPatterns(pattern)) {
        behaviors.push([svg, {
          ...common,
          compress: true,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
          ...viewerOnly(viewer),
        }]);
      }
      behaviors.push([pattern, {
        ...common,
        // Variants are raster images, which CloudFront does not compress; see variantCachePolicy.
        compress: false,
        cachePolicy,
        ...functionAssociations,
        edgeLambdas: [
          ...viewer.edgeLambdas,
          { eventType: cloudfront.LambdaEdgeEventType.ORIGIN_RESPONSE, functionVersion: prod ? resize.prod : resize.latest },
        ],
      }]);
    }

    const teamDomain = viewerCertificate(this, 'Domain', deploy.domain);
    if (props.distribution) {
      this.distribution = props.distribution;
      for (const [pattern, options] of behaviors) this.distribution.addBehavior(pattern, origin, options);
      Annotations.of(this).addInfo(`The resizing behaviours (${behaviors.map(([pattern]) => pattern).join(', ')}) were added to the existing distribution; give it errorResponses: ImageResizer.errorResponses(config) to cache 4xx and 5xx for deploy.errorCachingSeconds (${deploy.errorCachingSeconds} s) instead of CloudFront's 10 s`);
    } else {
      const acl = deploy.waf ? webAcl(this, 'WebAcl', deploy.stackName, deploy.waf) : undefined;
      const additionalBehaviors: Record<string, cloudfront.BehaviorOptions> = {};
      for (const [pattern, options] of behaviors) additionalBehaviors[pattern] = { ...options, origin };
      this.distribution = new cloudfront.Distribution(this, 'Distribution', {
        comment: `${deploy.stackName}: originals and resized variants`,
        // Everything else serves originals untouched, after the normalizer's path rules. It runs the
        // latest normalizer: the behaviours it guards are the ones this deploy's config baked in.
        defaultBehavior: { ...common, origin, compress: true, cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED, ...viewerOnly(viewerRequest(false)) },
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
    }
    const distributionArn = stack.formatArn({ service: 'cloudfront', region: '', resource: 'distribution', resourceName: this.distribution.distributionId });

    if (imported) {
      // CDK does not write an imported bucket's policy (it would replace the team's): the
      // statement CDK would have added is an output, inside the one command that adds it.
      Annotations.of(this.distribution).acknowledgeWarning('@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac', 'The statement is in the OriginalsBucketPolicyCommand output, as one command that adds it to the bucket\'s own policy');
      const sid = `EdgeImageResizerOac${Names.uniqueId(this).replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 100);
      const bucketArn = `arn:${stack.partition}:s3:::${imported.bucketName}`;
      const statement = stack.toJsonString({
        Sid: sid,
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { StringEquals: { 'AWS:SourceArn': distributionArn } },
      });
      new CfnOutput(this, 'OriginalsBucketPolicyCommand', {
        description: `Run once after the first deploy: adds the distribution's read access (OAC) to ${imported.bucketName}'s policy, keeping its other statements (needs the AWS CLI and jq)`,
        value: bucketPolicyCommand(imported.bucketName, sid, statement),
      });
      Annotations.of(this).addInfo(`The imported bucket ${imported.bucketName} (${imported.region}) keeps its policy: after deploying, run the command in the OriginalsBucketPolicyCommand output once to let the distribution read it (OAC); a KMS-encrypted bucket also needs kms:Decrypt for cloudfront.amazonaws.com in its key policy; CORS preflights are answered from the bucket's own CORS rules`);
    }

    // S3 sends event notifications only to a queue in the bucket's own region.
    const bucketRegion = imported ? imported.region : stack.region;
    if (bucketRegion === stack.region) {
      this.purge = new PurgeOnChange(this, 'PurgeOnChange', {
        bucket: this.bucket,
        distribution: this.distribution,
        functionName: names.purge,
        codeDir: bundles.purge,
      });
      if (imported) Annotations.of(this).addInfo(`Purge on change: the event notifications of ${imported.bucketName} for this stack's queue are added beside the ones the bucket has (CDK's unmanaged bucket notifications), and removed with the stack`);
    } else {
      Annotations.of(this).addWarningV2('@edge-image-resizer/cdk:purgeNeedsBucketRegion', `Purge on change is off: S3 sends event notifications only to a queue in the bucket's region (${bucketRegion}) and this stack is in ${stack.region}; put the ImageResizer in a stack in ${bucketRegion} for it, or invalidate changed originals with aws cloudfront create-invalidation`);
    }

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
    if (edgeStack) acknowledgeCrossRegionReader(stack);

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
    if (this.purge) new CfnOutput(this, 'PurgeDeadLetterQueueUrl', { value: this.purge.deadLetters.queueUrl, description: 'Changes whose invalidation kept failing' });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName, description: `CloudWatch dashboard in ${stack.region}` });
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

/**
 * The name of a new bucket in a stack outside us-east-1: the config's stack name, this
 * construct's address (two resizers in one account and region), the account and the region;
 * at most 63 characters, as S3 allows.
 */
function newBucketName(scope: Construct, config: Config): string {
  const prefix = config.deploy.stackName.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+$/, '').slice(0, 24);
  return `${prefix}-${scope.node.addr.slice(0, 8)}-${Aws.ACCOUNT_ID}-${Stack.of(scope).region}`;
}

/** The bucket's name as a string both stacks can hold (no reference to the other stack). */
function bucketNameFor(scope: Construct, config: Config, imported: ImportedBucket | undefined): string {
  return imported ? imported.bucketName : newBucketName(scope, config);
}

/**
 * One shell command that adds `statement` to the bucket's policy, replacing only an earlier
 * statement of the same Sid (so running it twice changes nothing) and keeping every other one.
 */
function bucketPolicyCommand(bucket: string, sid: string, statement: string): string {
  const current = `(aws s3api get-bucket-policy --bucket ${bucket} --query Policy --output text 2>/dev/null || echo '{"Version":"2012-10-17","Statement":[]}')`;
  const merge = `jq -c --argjson s '${statement}' '.Statement = ([.Statement[] | select(.Sid != "${sid}")] + [$s])'`;
  // "$( (" with a space: "$((" would open an arithmetic expansion.
  return `aws s3api put-bucket-policy --bucket ${bucket} --policy "$( ${current} | ${merge})"`;
}

/** What cdk-nag reports on the reader CDK's EdgeFunction adds to a stack outside us-east-1, and why that stands. */
function acknowledgeCrossRegionReader(stack: Stack): void {
  const provider = stack.node.tryFindChild('CrossRegionStringParameterReaderCustomResourceProvider');
  if (!provider) return;
  const reason = 'aws-cdk-lib\'s EdgeFunction reads the function version\'s ARN from an SSM parameter in us-east-1 through this singleton provider, which CDK creates with its own role, runtime and the parameter prefix cdk/EdgeFunctionArn/*; it offers no way to pass them';
  for (const id of ['AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1']) Validations.of(provider).acknowledge({ id, reason });
}

/** A key of the sample bucket (examples/bucket) under the first behaviour that is not prod. */
export function exampleKey(config: Config): string {
  const dev = config.behaviors.find((pattern) => config.deploy.prodBehaviors.indexOf(pattern) < 0) ?? config.behaviors[0];
  return `${dev.slice(0, -1)}photo.jpg`;
}
