// The CDK app's synthesized templates, one test per requirement of the deployment. Three
// configs are synthesized once each: the defaults; Lambda@Edge normalizer with prod pinned,
// Origin Shield and a CORS list; and a third behaviour with other cache and price settings.
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CACHING_STATUSES, MAX_CACHE_KEY_QUERY_STRINGS } from '../../../infra/cdk/policies';
import { BATCHING_WINDOW, MAX_RECEIVES, PURGE_TIMEOUT } from '../../../infra/cdk/purge';
import { ASSETS_DIR } from '../../../infra/cdk/assets-dir';
import { CONFIG_PLACEHOLDER, fillTemplateDir, normalizerBakedConfig } from '../../../infra/cdk/bundles';
import { checkDeployConfig } from '../../../infra/cdk/image-resizer';
import type { ResizerStack } from '../../../infra/cdk/resizer-stack';
import { MAX_WILDCARD_PATHS_IN_PROGRESS } from '../../../functions/purge/plan';
import { parseConfig } from '../../../shared/config';
import { MAX_CONTENT_SECURITY_POLICY_CHARS } from '../../../shared/limits';
import { SVG_CONTENT_SECURITY_POLICY } from '../../../shared/responses';
import { CACHE_KEY_PARAMS, findParam } from '../../../shared/params';
import { synth, type Json } from '../../helpers/stack';


const ORIGINS = ['https://www.example.com', 'https://app.example.com'];


const defaults = synth({});
const edge = synth({
  cors: { allowedOrigins: ORIGINS },
  deploy: {
    normalizer: 'lambda-edge', prodResizeVersion: '7', prodNormalizeVersion: '3', originShieldRegion: 'eu-central-1',
    resizeMemoryMb: 2048, resizeTimeoutSeconds: 25, errorCachingSeconds: 30, priceClass: 'PriceClass_All',
  },
});
const three = synth({ behaviors: ['dev/*', 'prod/*', 'img/*'], deploy: { prodBehaviors: ['prod/*', 'img/*'], prodResizeVersion: '12' } });

function logicalId(stack: ResizerStack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

function resourcesOf(json: Json, type: string): Array<[string, Json]> {
  return Object.entries(json.Resources as Json).filter(([, r]) => r.Type === type) as Array<[string, Json]>;
}

function distributionConfig(json: Json): Json {
  const [[, distribution]] = resourcesOf(json, 'AWS::CloudFront::Distribution');
  return distribution.Properties.DistributionConfig;
}

function behavior(json: Json, pattern: string): Json {
  const found = (distributionConfig(json).CacheBehaviors as Json[]).find((b) => b.PathPattern === pattern);
  assert.ok(found, `no behaviour ${pattern}`);
  return found!;
}

function allBehaviors(json: Json): Json[] {
  const config = distributionConfig(json);
  return [config.DefaultCacheBehavior, ...config.CacheBehaviors];
}

/** Every IAM statement in roles, policies and bucket/queue policies, with where it came from. */
function allStatements(json: Json): Array<{ where: string; statement: Json }> {
  const out: Array<{ where: string; statement: Json }> = [];
  for (const [id, resource] of Object.entries(json.Resources as Json)) {
    const documents: Json[] = [];
    if (resource.Type === 'AWS::IAM::Role') for (const p of resource.Properties.Policies ?? []) documents.push(p.PolicyDocument);
    if (['AWS::IAM::Policy', 'AWS::S3::BucketPolicy', 'AWS::SQS::QueuePolicy'].includes(resource.Type)) documents.push(resource.Properties.PolicyDocument);
    for (const document of documents) for (const statement of document.Statement) out.push({ where: id, statement });
  }
  return out;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function distributionArn(stack: ResizerStack): Json {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', { Ref: logicalId(stack, stack.resizer.distribution) }]] };
}

function bucketArn(stack: ResizerStack): Json {
  return { 'Fn::GetAtt': [logicalId(stack, stack.resizer.bucket), 'Arn'] };
}

function objectsArn(stack: ResizerStack): Json {
  return { 'Fn::Join': ['', [bucketArn(stack), '/*']] };
}

function functionNamed(json: Json, functionName: string): [string, Json] {
  const found = resourcesOf(json, 'AWS::Lambda::Function').filter(([, r]) => r.Properties.FunctionName === functionName);
  assert.is(found.length, 1, functionName);
  return found[0];
}

function roleOf(json: Json, functionName: string): { id: string; role: Json } {
  const id = functionNamed(json, functionName)[1].Properties.Role['Fn::GetAtt'][0];
  return { id, role: json.Resources[id] };
}

/** Every statement the role is allowed: inline policies and policies attached to it later. */
function roleStatements(json: Json, functionName: string): Json[] {
  const { id, role } = roleOf(json, functionName);
  const attached = resourcesOf(json, 'AWS::IAM::Policy').filter(([, p]) => p.Properties.Roles.some((r: Json) => r.Ref === id));
  return [
    ...(role.Properties.Policies ?? []).flatMap((p: Json) => p.PolicyDocument.Statement),
    ...attached.flatMap(([, p]) => p.Properties.PolicyDocument.Statement),
  ];
}

/** The index.js CDK staged for a function's code asset (`asset.<hash>` beside the template). */
function stagedCode(synthesized: ReturnType<typeof synth>, functionName: string): string {
  const hash = functionNamed(synthesized.json, functionName)[1].Properties.Code.S3Key.replace(/\.zip$/, '');
  return readFileSync(path.join(synthesized.app.outdir, `asset.${hash}`, 'index.js'), 'utf8');
}

function versionRef(json: Json, functionName: string): Json {
  const [fnId] = functionNamed(json, functionName);
  const [[versionId]] = resourcesOf(json, 'AWS::Lambda::Version').filter(([, r]) => r.Properties.FunctionName.Ref === fnId);
  return { Ref: versionId };
}

function pinnedArn(json: Json, functionName: string, version: string): Json {
  const [fnId] = functionNamed(json, functionName);
  return { 'Fn::Join': ['', [{ 'Fn::GetAtt': [fnId, 'Arn'] }, `:${version}`]] };
}

test('bucket: all public access blocked, encrypted, TLS enforced, owner-enforced, retained', () => {
  defaults.template.hasResource('AWS::S3::Bucket', {
    DeletionPolicy: 'Retain',
    Properties: {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    },
  });
  defaults.template.hasResourceProperties('AWS::S3::BucketPolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([Match.objectLike({
        Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      })]),
    },
  });
});

test('origin: read through Origin Access Control (SigV4, always signed), no legacy OAI', () => {
  defaults.template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
  defaults.template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
    OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
  });
  const [origin] = distributionConfig(defaults.json).Origins;
  assert.equal(origin.S3OriginConfig, { OriginAccessIdentity: '' });
  assert.ok(origin.OriginAccessControlId['Fn::GetAtt'], 'the origin names its OAC');
  assert.equal(origin.DomainName, { 'Fn::GetAtt': [logicalId(defaults.stack, defaults.stack.resizer.bucket), 'RegionalDomainName'] });
});

test('origin: only this distribution may GetObject and ListBucket, so a missing key answers 404, and / lists nothing', () => {
  const cloudfront = allStatements(defaults.json).filter(({ statement }) => statement.Principal?.Service === 'cloudfront.amazonaws.com');
  assert.is(cloudfront.length, 1);
  const [{ statement }] = cloudfront;
  assert.equal(list(statement.Action).sort(), ['s3:GetObject', 's3:ListBucket']);
  assert.equal(list(statement.Resource), [objectsArn(defaults.stack), bucketArn(defaults.stack)]);
  assert.equal(statement.Condition, { StringEquals: { 'AWS:SourceArn': distributionArn(defaults.stack) } });
  assert.is(distributionConfig(defaults.json).DefaultRootObject, 'index.html');
});

test('behaviours: one per config entry, each with the CloudFront Function on viewer request and the resizer on origin response', () => {
  const config = distributionConfig(defaults.json);
  assert.equal(config.CacheBehaviors.map((b: Json) => b.PathPattern), ['dev/*.svg', 'dev/*', 'prod/*.svg', 'prod/*']);
  const [[functionId]] = resourcesOf(defaults.json, 'AWS::CloudFront::Function');
  for (const pattern of ['dev/*', 'prod/*']) {
    const b = behavior(defaults.json, pattern);
    assert.equal(b.FunctionAssociations, [{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } }]);
    assert.equal(b.LambdaFunctionAssociations, [{ EventType: 'origin-response', LambdaFunctionARN: versionRef(defaults.json, 'EdgeImageResizer-resize') }]);
  }
  assert.equal(distributionConfig(three.json).CacheBehaviors.map((b: Json) => b.PathPattern), ['dev/*.svg', 'dev/*', 'prod/*.svg', 'prod/*', 'img/*.svg', 'img/*']);
});

test('behaviours: SVGs under a resizing path skip the resizer and are compressed, the normalizer still checks them', () => {
  const [[functionId]] = resourcesOf(defaults.json, 'AWS::CloudFront::Function');
  for (const pattern of ['dev/*.svg', 'prod/*.svg']) {
    const b = behavior(defaults.json, pattern);
    assert.is(b.Compress, true);
    assert.is(b.CachePolicyId, '658327ea-f89d-4fab-a63d-7e88639e58f6', 'managed CachingOptimized: gzip and brotli in the key, no query');
    assert.equal(b.FunctionAssociations, [{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } }]);
    assert.is(b.LambdaFunctionAssociations, undefined);
  }
  assert.equal(behavior(edge.json, 'dev/*.svg').LambdaFunctionAssociations, [
    { EventType: 'viewer-request', LambdaFunctionARN: versionRef(edge.json, 'EdgeImageResizer-normalize') },
  ]);
});

test('behaviours: the default behaviour serves originals behind the normalizer\'s path rules (the same CloudFront Function; the latest Lambda@Edge version), no resizer, managed CachingOptimized', () => {
  const [[functionId]] = resourcesOf(defaults.json, 'AWS::CloudFront::Function');
  const b = distributionConfig(defaults.json).DefaultCacheBehavior;
  assert.equal(b.FunctionAssociations, [{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } }]);
  assert.is(b.LambdaFunctionAssociations, undefined);
  assert.is(b.CachePolicyId, '658327ea-f89d-4fab-a63d-7e88639e58f6');
  const lambdaDefault = distributionConfig(edge.json).DefaultCacheBehavior;
  assert.is(lambdaDefault.FunctionAssociations, undefined);
  assert.equal(lambdaDefault.LambdaFunctionAssociations, [{ EventType: 'viewer-request', LambdaFunctionARN: versionRef(edge.json, 'EdgeImageResizer-normalize') }]);
});

test('behaviours: every behaviour, default included, runs the normalizer on viewer request, in both normalizer modes (no spelling reaches S3 unchecked)', () => {
  defaults.template.resourceCountIs('AWS::CloudFront::Function', 1);
  for (const json of [defaults.json, edge.json, three.json]) {
    for (const b of allBehaviors(json)) {
      const viewer = [...(b.FunctionAssociations || []), ...(b.LambdaFunctionAssociations || [])].filter((a: Json) => a.EventType === 'viewer-request');
      assert.is(viewer.length, 1, `${b.PathPattern || 'default'}: ${JSON.stringify(viewer)}`);
    }
  }
});

test('behaviours: every one redirects HTTP to HTTPS; only those that may serve compressible types compress', () => {
  for (const json of [defaults.json, edge.json, three.json]) {
    for (const b of allBehaviors(json)) {
      assert.is(b.ViewerProtocolPolicy, 'redirect-to-https', b.PathPattern);
      const resizing = b.PathPattern !== undefined && !b.PathPattern.endsWith('.svg');
      assert.is(b.Compress, !resizing, b.PathPattern);
    }
  }
});

test('cache key: one entry per variant: the variants\' policy keeps Accept-Encoding out (no gzip, no brotli)', () => {
  for (const json of [defaults.json, edge.json, three.json]) {
    const policies = resourcesOf(json, 'AWS::CloudFront::CachePolicy');
    assert.is(policies.length, 1);
    const key = policies[0][1].Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin;
    assert.is(key.EnableAcceptEncodingGzip, false);
    assert.is(key.EnableAcceptEncodingBrotli, false);
  }
});

test('cache key: the shared parameter table\'s canonical names (an allowlist while they fit in one, else all, behind the normalizer), no headers, no cookies', () => {
  const [[policyId, policy]] = resourcesOf(defaults.json, 'AWS::CloudFront::CachePolicy');
  const key = policy.Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin;
  assert.equal(key.QueryStringsConfig, CACHE_KEY_PARAMS.length <= MAX_CACHE_KEY_QUERY_STRINGS
    ? { QueryStringBehavior: 'whitelist', QueryStrings: [...CACHE_KEY_PARAMS] }
    : { QueryStringBehavior: 'all' });
  assert.equal(key.HeadersConfig, { HeaderBehavior: 'none' });
  assert.equal(key.CookiesConfig, { CookieBehavior: 'none' });
  assert.is(policy.Properties.CachePolicyConfig.MinTTL, 0, 'the resizer\'s no-store must be honoured');
  for (const pattern of ['dev/*', 'prod/*']) assert.equal(behavior(defaults.json, pattern).CachePolicyId, { Ref: policyId });
});

/** Managed CORS-S3Origin: forwards only Origin, Access-Control-Request-Headers and -Method. */
const CORS_S3_ORIGIN_POLICY_ID = '88a5eaf4-2fd4-4709-b370-b4c650ea3fcf';

test('cache key: Accept is in no key and forwarded by no policy', () => {
  for (const json of [defaults.json, edge.json]) {
    assert.not.match(JSON.stringify(resourcesOf(json, 'AWS::CloudFront::CachePolicy')), /"accept"/i);
    assert.is(resourcesOf(json, 'AWS::CloudFront::OriginRequestPolicy').length, 0, 'no custom origin request policy');
    for (const b of allBehaviors(json)) {
      assert.is(b.ForwardedValues, undefined, 'no legacy cache settings');
      assert.is(b.OriginRequestPolicyId, CORS_S3_ORIGIN_POLICY_ID);
    }
  }
});

function headersPolicy(json: Json): Json {
  const [[, policy]] = resourcesOf(json, 'AWS::CloudFront::ResponseHeadersPolicy');
  return policy.Properties.ResponseHeadersPolicyConfig;
}

function customHeader(json: Json, name: string): Json | undefined {
  return headersPolicy(json).CustomHeadersConfig.Items.find((h: Json) => h.Header === name);
}

test('CORS: allowed origins from config (* by default), GET/HEAD/OPTIONS, server-timing and the range headers exposed, never with credentials', () => {
  for (const [json, origins] of [[defaults.json, ['*']], [edge.json, ORIGINS]] as const) {
    const cors = headersPolicy(json).CorsConfig;
    assert.equal(cors.AccessControlAllowOrigins.Items, origins);
    assert.is(cors.AccessControlAllowCredentials, false);
    assert.equal(cors.AccessControlAllowMethods.Items, ['GET', 'HEAD', 'OPTIONS']);
    assert.equal(cors.AccessControlExposeHeaders.Items, ['server-timing', 'accept-ranges', 'content-range', 'content-length']);
    assert.is(cors.OriginOverride, true);
  }
  for (const b of allBehaviors(defaults.json)) assert.ok(b.ResponseHeadersPolicyId, `${b.PathPattern ?? 'default'} has the headers policy`);
});

test('CORS preflight: OPTIONS reaches S3 with the CORS request headers, S3 answers from the same origins, and the answer is cached', () => {
  for (const [json, origins] of [[defaults.json, ['*']], [edge.json, ORIGINS]] as const) {
    const [[, bucket]] = resourcesOf(json, 'AWS::S3::Bucket').filter(([id]) => id.startsWith('Originals'));
    const [rule] = bucket.Properties.CorsConfiguration.CorsRules;
    assert.equal(rule.AllowedOrigins, origins);
    assert.equal(rule.AllowedMethods, ['GET', 'HEAD']);
    for (const b of allBehaviors(json)) {
      assert.is(b.OriginRequestPolicyId, CORS_S3_ORIGIN_POLICY_ID, `${b.PathPattern ?? 'default'}`);
      assert.equal(b.AllowedMethods, ['GET', 'HEAD', 'OPTIONS']);
      assert.equal(b.CachedMethods, ['GET', 'HEAD', 'OPTIONS']);
    }
  }
});

test('headers: nosniff, CORP cross-origin, Timing-Allow-Origin matching the CORS origins, Vary keeps Accept and adds Origin', () => {
  assert.equal(headersPolicy(defaults.json).SecurityHeadersConfig.ContentTypeOptions, { Override: true });
  assert.equal(customHeader(defaults.json, 'cross-origin-resource-policy'), { Header: 'cross-origin-resource-policy', Value: 'cross-origin', Override: true });
  assert.is(customHeader(defaults.json, 'timing-allow-origin')!.Value, '*');
  assert.is(customHeader(edge.json, 'timing-allow-origin')!.Value, ORIGINS.join(', '));
  assert.equal(customHeader(defaults.json, 'vary')!.Value.split(/,\s*/), ['Accept', 'Origin']);
});

test('SVG sandbox: every response headers policy carries the SVG CSP (override), and every behaviour (dev/*.svg, dev/*, default) has one', () => {
  for (const json of [defaults.json, edge.json, three.json]) {
    const policies = resourcesOf(json, 'AWS::CloudFront::ResponseHeadersPolicy');
    assert.ok(policies.length > 0);
    for (const [id, policy] of policies) {
      const csp = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig?.ContentSecurityPolicy;
      assert.equal(csp, { ContentSecurityPolicy: SVG_CONTENT_SECURITY_POLICY, Override: true }, id);
      assert.ok(csp.ContentSecurityPolicy.length <= MAX_CONTENT_SECURITY_POLICY_CHARS, `${id}: within CloudFront's CSP length quota`);
    }
    const ids = new Set(policies.map(([id]) => id));
    const behaviors = allBehaviors(json);
    assert.ok(behaviors.some((b) => b.PathPattern === 'dev/*.svg'), 'the SVG behaviour is there');
    for (const b of behaviors) assert.ok(ids.has(b.ResponseHeadersPolicyId?.Ref), `${b.PathPattern ?? 'default'} uses a policy with the CSP`);
  }
});

test('errors: 4xx and 5xx cached for errorCachingSeconds and passed through (no error page)', () => {
  for (const { json, config } of [defaults, edge]) {
    const responses = distributionConfig(json).CustomErrorResponses as Json[];
    assert.equal(responses.map((r) => r.ErrorCode), [...ERROR_CACHING_STATUSES]);
    for (const r of responses) assert.equal(r, { ErrorCode: r.ErrorCode, ErrorCachingMinTTL: config.deploy.errorCachingSeconds });
  }
  assert.is(edge.config.deploy.errorCachingSeconds, 30);
});

/** A bundle template of the construct with the config written in (what the construct deploys). */
function filled(template: string, value: unknown): string {
  return fillTemplateDir(path.join(ASSETS_DIR, template), { [CONFIG_PLACEHOLDER]: value });
}

test('resizer: Lambda@Edge in us-east-1, nodejs22.x, x86_64, memory and timeout from config, code the resize template with the config, no environment', () => {
  assert.is(defaults.stack.region, 'us-east-1');
  for (const { template, config } of [defaults, edge]) {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'EdgeImageResizer-resize', Runtime: 'nodejs22.x', Architectures: ['x86_64'], Handler: 'index.handler',
      MemorySize: config.deploy.resizeMemoryMb, Timeout: config.deploy.resizeTimeoutSeconds, Environment: Match.absent(),
    });
  }
  assert.is(edge.config.deploy.resizeMemoryMb, 2048);
  assert.is(stagedCode(defaults, 'EdgeImageResizer-resize'), filled('resize', defaults.config));
  assert.is(stagedCode(edge, 'EdgeImageResizer-resize'), filled('resize', edge.config));
});

test('edge role: trusted by lambda and edgelambda, allowed only GetObject on the originals\' objects and its own logs', () => {
  const { role } = roleOf(defaults.json, 'EdgeImageResizer-resize');
  const principals = role.Properties.AssumeRolePolicyDocument.Statement.map((s: Json) => s.Principal.Service).sort();
  assert.equal(principals, ['edgelambda.amazonaws.com', 'lambda.amazonaws.com']);
  assert.is(role.Properties.ManagedPolicyArns, undefined);
  const statements = roleStatements(defaults.json, 'EdgeImageResizer-resize');
  assert.is(statements.length, 2);
  const [logs, read] = statements;
  assert.equal(logs.Action, ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']);
  const groups = (logs.Resource as Json[]).map((r) => r['Fn::Join'][1].slice(-1)[0]);
  assert.equal(groups, [
    ':log-group:/aws/lambda/us-east-1.EdgeImageResizer-resize', ':log-group:/aws/lambda/us-east-1.EdgeImageResizer-resize:*',
    ':log-group:/aws/lambda/EdgeImageResizer-resize', ':log-group:/aws/lambda/EdgeImageResizer-resize:*',
  ]);
  assert.equal(read, { Action: 's3:GetObject', Effect: 'Allow', Resource: objectsArn(defaults.stack) });
});

test('IAM: no S3 action anywhere is granted on a * resource', () => {
  for (const json of [defaults.json, edge.json]) {
    for (const { where, statement } of allStatements(json)) {
      if (!list(statement.Action).some((a: string) => a.startsWith('s3:')) || statement.Effect === 'Deny') continue;
      assert.not.ok(list(statement.Resource).includes('*'), `${where} grants ${statement.Action} on *`);
    }
  }
});

test('versions: every Lambda version is retained on delete and replace, in both normalizer modes', () => {
  for (const json of [defaults.json, edge.json]) {
    const versions = resourcesOf(json, 'AWS::Lambda::Version');
    assert.ok(versions.length >= 1);
    for (const [id, version] of versions) {
      assert.is(version.DeletionPolicy, 'Retain', id);
      assert.is(version.UpdateReplacePolicy, 'Retain', id);
    }
  }
  assert.is(resourcesOf(edge.json, 'AWS::Lambda::Version').length, 2, 'resize and normalize');
});

test('normalizer, default mode: a cloudfront-js-2.0 CloudFront Function holding the normalize-cff template with the config, published live', () => {
  const [[, fn]] = resourcesOf(defaults.json, 'AWS::CloudFront::Function');
  assert.is(fn.Properties.Name, 'EdgeImageResizer-normalize');
  assert.is(fn.Properties.AutoPublish, true);
  assert.is(fn.Properties.FunctionConfig.Runtime, 'cloudfront-js-2.0');
  assert.is(fn.Properties.FunctionCode, filled('normalize-cff', normalizerBakedConfig(defaults.config)));
  defaults.template.resourcePropertiesCountIs('AWS::Lambda::Function', { FunctionName: 'EdgeImageResizer-normalize' }, 0);
});

test('normalizer, lambda-edge mode: a Lambda@Edge viewer-request function within viewer limits, with a logs-only role', () => {
  edge.template.resourceCountIs('AWS::CloudFront::Function', 0);
  edge.template.hasResourceProperties('AWS::Lambda::Function', {
    FunctionName: 'EdgeImageResizer-normalize', Runtime: 'nodejs22.x', Architectures: ['x86_64'], MemorySize: 128, Timeout: 5, Environment: Match.absent(),
  });
  const dev = behavior(edge.json, 'dev/*');
  assert.is(dev.FunctionAssociations, undefined);
  assert.equal(dev.LambdaFunctionAssociations, [
    { EventType: 'viewer-request', LambdaFunctionARN: versionRef(edge.json, 'EdgeImageResizer-normalize') },
    { EventType: 'origin-response', LambdaFunctionARN: versionRef(edge.json, 'EdgeImageResizer-resize') },
  ]);
  const actions = roleStatements(edge.json, 'EdgeImageResizer-normalize').flatMap((s) => list(s.Action));
  assert.equal(actions, ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']);
  assert.is(stagedCode(edge, 'EdgeImageResizer-normalize'), filled('normalize', normalizerBakedConfig(edge.config)));
});

test('dev and prod: prod behaviours run the versions named in config, dev the latest deploy', () => {
  assert.equal(behavior(edge.json, 'prod/*').LambdaFunctionAssociations, [
    { EventType: 'viewer-request', LambdaFunctionARN: pinnedArn(edge.json, 'EdgeImageResizer-normalize', '3') },
    { EventType: 'origin-response', LambdaFunctionARN: pinnedArn(edge.json, 'EdgeImageResizer-resize', '7') },
  ]);
  for (const pattern of ['prod/*', 'img/*']) {
    assert.equal(behavior(three.json, pattern).LambdaFunctionAssociations, [
      { EventType: 'origin-response', LambdaFunctionARN: pinnedArn(three.json, 'EdgeImageResizer-resize', '12') },
    ]);
  }
  assert.equal(behavior(three.json, 'dev/*').LambdaFunctionAssociations, [
    { EventType: 'origin-response', LambdaFunctionARN: versionRef(three.json, 'EdgeImageResizer-resize') },
  ]);
});

test('dev and prod: the config is checked across keys, naming the key', () => {
  assert.throws(() => checkDeployConfig(parseConfig({ deploy: { prodBehaviors: ['live/*'] } })), /^config key deploy\.prodBehaviors\[0\] must be one of behaviors \(dev\/\*, prod\/\*\), got "live\/\*"$/);
  assert.throws(() => checkDeployConfig(parseConfig({ deploy: { prodNormalizeVersion: '3' } })), /^config key deploy\.prodNormalizeVersion must be null unless deploy\.normalizer is "lambda-edge"/);
  assert.throws(() => synth({ deploy: { prodBehaviors: ['live/*'] } }), /deploy\.prodBehaviors/);
});

test('origin shield and price class come from config', () => {
  const [shielded] = distributionConfig(edge.json).Origins;
  assert.equal(shielded.OriginShield, { Enabled: true, OriginShieldRegion: 'eu-central-1' });
  const [plain] = distributionConfig(defaults.json).Origins;
  assert.is(plain.OriginShield, undefined);
  assert.is(distributionConfig(defaults.json).PriceClass, 'PriceClass_100');
  assert.is(distributionConfig(edge.json).PriceClass, 'PriceClass_All');
});

test('purge: S3 created and removed events go to an encrypted queue that only this bucket may send to', () => {
  const { stack, template } = defaults;
  const queueId = logicalId(stack, stack.resizer.purge!.queue);
  template.hasResourceProperties('Custom::S3BucketNotifications', {
    BucketName: { Ref: logicalId(stack, stack.resizer.bucket) },
    NotificationConfiguration: {
      QueueConfigurations: [
        { Events: ['s3:ObjectCreated:*'], QueueArn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
        { Events: ['s3:ObjectRemoved:*'], QueueArn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
      ],
    },
  });
  const senders = allStatements(defaults.json).filter(({ statement }) => statement.Principal?.Service === 's3.amazonaws.com');
  assert.is(senders.length, 1);
  assert.equal(senders[0].statement.Condition, { ArnLike: { 'aws:SourceArn': bucketArn(stack) } });
  // Both queues refuse plain HTTP.
  for (const queue of [stack.resizer.purge!.queue, stack.resizer.purge!.deadLetters]) {
    const policy = allStatements(defaults.json).find(({ statement }) => statement.Effect === 'Deny' && JSON.stringify(statement.Resource) === JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, queue), 'Arn'] }));
    assert.equal(policy?.statement.Condition, { Bool: { 'aws:SecureTransport': 'false' } });
  }
  template.hasResourceProperties('AWS::SQS::Queue', {
    SqsManagedSseEnabled: true,
    VisibilityTimeout: PURGE_TIMEOUT.toSeconds() * 6,
    RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack, stack.resizer.purge!.deadLetters), 'Arn'] }, maxReceiveCount: MAX_RECEIVES },
  });
});

test('purge: the function takes batches of at most 15 changes, reports partial failures, and knows the distribution', () => {
  const { stack, template } = defaults;
  template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.resizer.purge!.queue), 'Arn'] },
    BatchSize: MAX_WILDCARD_PATHS_IN_PROGRESS,
    MaximumBatchingWindowInSeconds: BATCHING_WINDOW.toSeconds(),
    FunctionResponseTypes: ['ReportBatchItemFailures'],
  });
  template.hasResourceProperties('AWS::Lambda::Function', {
    FunctionName: 'EdgeImageResizer-purge', Runtime: 'nodejs24.x', Handler: 'index.handler',
    Environment: { Variables: { DISTRIBUTION_ID: { Ref: logicalId(stack, stack.resizer.distribution) } } },
  });
  assert.is(stagedCode(defaults, 'EdgeImageResizer-purge'), readFileSync(path.join(ASSETS_DIR, 'purge/index.js'), 'utf8'));
});

test('purge: least privilege: CreateInvalidation on this distribution only, queue consumption, own logs', () => {
  const { stack, json } = defaults;
  const statements = roleStatements(json, 'EdgeImageResizer-purge');
  const cloudfront = statements.filter((s) => list(s.Action).some((a: string) => a.startsWith('cloudfront:')));
  assert.equal(cloudfront, [{ Action: 'cloudfront:CreateInvalidation', Effect: 'Allow', Resource: distributionArn(stack) }]);
  for (const s of statements) {
    const ok = list(s.Action).every((a: string) => /^(logs:|sqs:|cloudfront:CreateInvalidation$)/.test(a));
    assert.ok(ok, JSON.stringify(s.Action));
    assert.not.ok(list(s.Resource).includes('*'), JSON.stringify(s));
  }
  assert.is(roleOf(json, 'EdgeImageResizer-purge').role.Properties.ManagedPolicyArns, undefined);
});

test('outputs: distribution domain and id, bucket name, an example URL with parameters from the table, versions to promote', () => {
  const outputs = defaults.json.Outputs as Json;
  assert.equal(outputs.DistributionDomainName.Value, { 'Fn::GetAtt': [logicalId(defaults.stack, defaults.stack.resizer.distribution), 'DomainName'] });
  assert.equal(outputs.DistributionId.Value, { Ref: logicalId(defaults.stack, defaults.stack.resizer.distribution) });
  assert.equal(outputs.OriginalsBucketName.Value, { Ref: logicalId(defaults.stack, defaults.stack.resizer.bucket) });
  const [, parts] = outputs.ExampleUrl.Value['Fn::Join'];
  assert.is(parts[0], 'https://');
  const url = new URL(`https://cdn.example${parts[2]}`);
  assert.is(url.pathname, '/dev/photo.jpg');
  for (const name of url.searchParams.keys()) assert.ok(findParam(name), `${name} is a parameter`);
  assert.ok(outputs.ResizeVersion);
  assert.ok(edge.json.Outputs.NormalizeVersion);
  assert.is(outputs.NormalizeVersion, undefined);
});

test.run();
