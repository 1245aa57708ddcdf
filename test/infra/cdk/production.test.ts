// The production options of the stack (issue 11): AWS's best-practice rule pack over every
// config variant, the team's domain and TLS, access logs, WAF, the dashboard and the alarms.
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { metricNamespace, OUTCOMES } from '../../../functions/resize/metrics';
import { CLOUDFRONT_HOSTED_ZONE_ID } from '../../../infra/cdk/domain';
import { addRegionalAlarmStacks, DURATION_TIMEOUT_SHARE, PRICE_CLASS_REGIONS } from '../../../infra/cdk/observability';
import { checkDeployConfig } from '../../../infra/cdk/image-resizer';
import { ResizerStack } from '../../../infra/cdk/resizer-stack';
import { COMMON_RULE_SET } from '../../../infra/cdk/waf';
import { parseConfig } from '../../../shared/config';
import { synth, type Json } from '../../helpers/stack';


const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1234-5678-9abc-def012345678';
const ZONE = 'Z0123456789ABCDEFGHIJ';

const VARIANTS: Record<string, object> = {
  defaults: {},
  'lambda-edge normalizer, prod pinned': { deploy: { normalizer: 'lambda-edge', prodResizeVersion: '7', prodNormalizeVersion: '3', originShieldRegion: 'us-east-1' } },
  'domain with a certificate ARN': { deploy: { domain: { names: ['images.example.com'], certificateArn: CERT } } },
  'domain in a hosted zone, access logs, WAF, alarm email, two regions': {
    deploy: {
      domain: { names: ['images.example.com', 'img.example.com'], hostedZoneId: ZONE },
      accessLogs: true, accessLogsRetentionDays: 30, waf: { rateLimit: 500 }, alarmEmail: 'ops@example.com',
      metricsRegions: ['us-east-1', 'eu-west-1'],
    },
  },
  'signed URLs (KeyValueStore)': { signing: { enabled: true } },
  'signed URLs with the Lambda@Edge normalizer': { signing: { enabled: true }, deploy: { normalizer: 'lambda-edge' } },
  'all price classes, alarm email, no us-east-1 metrics': { deploy: { priceClass: 'PriceClass_All', alarmEmail: 'ops@example.com', metricsRegions: ['ap-northeast-2'] } },
};

/** Synthesizes the app as infra/cdk/app.ts builds it, with cdk-nag, and returns its validation report. */
function synthWithNag(raw: object) {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'nag-'));
  const config = parseConfig(raw);
  const app = new App({ outdir });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  new ResizerStack(app, config.deploy.stackName, { config, signingKeys: ['k'.repeat(32)], env: { region: 'us-east-1' } });
  addRegionalAlarmStacks(app, config, undefined);
  let failure: unknown;
  try {
    app.synth();
  } catch (error) {
    failure = error;
  }
  const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  rmSync(outdir, { recursive: true, force: true });
  return { failure, report };
}

for (const [name, raw] of Object.entries(VARIANTS)) {
  test(`cdk-nag AwsSolutions: no unacknowledged error or warning (${name})`, () => {
    const { failure, report } = synthWithNag(raw);
    const findings = (report.pluginReports as Json[]).flatMap((plugin) => plugin.violations.map((v: Json) => `${v.severity} ${v.ruleName} on ${v.violatingConstructs.map((c: Json) => c.constructPath).join(', ')}`));
    assert.equal(findings, []);
    assert.is(failure, undefined);
  });
}

test('cdk-nag: a finding that is not acknowledged fails the synth (the check can fail)', () => {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'nag-'));
  const app = new App({ outdir });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new ResizerStack(app, 'Resizer', { config: parseConfig({}), env: { region: 'us-east-1' } });
  // A queue like the purge queue before the fix: no enforceSSL.
  new sqs.Queue(stack, 'PlainQueue', { encryption: sqs.QueueEncryption.SQS_MANAGED });
  assert.throws(() => app.synth(), /Validation failed/);
  const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  rmSync(outdir, { recursive: true, force: true });
  const rules = (report.pluginReports as Json[]).flatMap((p) => p.violations.map((v: Json) => v.ruleName));
  assert.ok(rules.includes('AwsSolutions-SQS4'), rules.join(', '));
});


function resourcesOf(json: Json, type: string): Array<[string, Json]> {
  return Object.entries(json.Resources as Json).filter(([, r]) => r.Type === type) as Array<[string, Json]>;
}

function distributionConfig(json: Json): Json {
  const [[, distribution]] = resourcesOf(json, 'AWS::CloudFront::Distribution');
  return distribution.Properties.DistributionConfig;
}

const defaults = synth({});
const withCert = synth({ deploy: { domain: { names: ['images.example.com'], certificateArn: CERT } } });
const withZone = synth({ deploy: { domain: { names: ['images.example.com', 'img.example.com'], hostedZoneId: ZONE }, accessLogs: true, accessLogsRetentionDays: 30, waf: { rateLimit: 500 }, alarmEmail: 'ops@example.com' } });

test('domain: without one, the cloudfront.net certificate (CloudFront fixes TLSv1 there) and no aliases', () => {
  const config = distributionConfig(defaults.json);
  assert.is(config.Aliases, undefined);
  assert.equal(config.ViewerCertificate, undefined);
  defaults.template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
});

test('domain: with a certificate ARN, the names are served with TLSv1.2_2021 over SNI', () => {
  const config = distributionConfig(withCert.json);
  assert.equal(config.Aliases, ['images.example.com']);
  assert.equal(config.ViewerCertificate, { AcmCertificateArn: CERT, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
  withCert.template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
  withCert.template.resourceCountIs('AWS::Route53::RecordSet', 0);
});

test('domain: with a hosted zone, the stack requests a DNS-validated certificate and writes A and AAAA aliases', () => {
  const config = distributionConfig(withZone.json);
  assert.equal(config.Aliases, ['images.example.com', 'img.example.com']);
  assert.is(config.ViewerCertificate.MinimumProtocolVersion, 'TLSv1.2_2021');
  const [[certId]] = resourcesOf(withZone.json, 'AWS::CertificateManager::Certificate');
  assert.equal(config.ViewerCertificate.AcmCertificateArn, { Ref: certId });
  withZone.template.hasResourceProperties('AWS::CertificateManager::Certificate', {
    DomainName: 'images.example.com', SubjectAlternativeNames: ['img.example.com'], ValidationMethod: 'DNS',
    DomainValidationOptions: [{ DomainName: 'images.example.com', HostedZoneId: ZONE }, { DomainName: 'img.example.com', HostedZoneId: ZONE }],
  });
  const records = resourcesOf(withZone.json, 'AWS::Route53::RecordSet').map(([, r]) => `${r.Properties.Type} ${r.Properties.Name}`);
  assert.equal(records.sort(), ['A images.example.com.', 'A img.example.com.', 'AAAA images.example.com.', 'AAAA img.example.com.']);
  withZone.template.hasResourceProperties('AWS::Route53::RecordSet', {
    HostedZoneId: ZONE, AliasTarget: { HostedZoneId: CLOUDFRONT_HOSTED_ZONE_ID, DNSName: Match.anyValue() },
  });
});

test('domain: the config is checked, naming the key', () => {
  assert.throws(() => checkDeployConfig(parseConfig({ deploy: { domain: { names: ['images.example.com'] } } })), /^config key deploy\.domain must have exactly one of certificateArn .* and hostedZoneId/);
  assert.throws(() => checkDeployConfig(parseConfig({ deploy: { domain: { names: ['images.example.com'], certificateArn: CERT, hostedZoneId: ZONE } } })), /exactly one/);
  assert.throws(() => checkDeployConfig(parseConfig({ deploy: { domain: { certificateArn: CERT } } })), /^config key deploy\.domain\.names must be a non-empty list/);
  assert.throws(() => parseConfig({ deploy: { domain: { names: ['images.example.com'], certificateArn: CERT.replace('us-east-1', 'eu-west-1') } } }), /^config key deploy\.domain\.certificateArn must be null or an ACM certificate ARN in us-east-1/);
  assert.throws(() => parseConfig({ deploy: { domain: { names: ['Images.Example.com'], hostedZoneId: ZONE } } }), /^config key deploy\.domain\.names\[0\] must be a lower-case host name/);
  assert.is(parseConfig({ deploy: { domain: null } }).deploy.domain, null);
});

test('access logs: off by default; on, CloudFront standard logs and S3 server access logs go to an expiring log bucket', () => {
  assert.is(distributionConfig(defaults.json).Logging, undefined);
  defaults.template.resourceCountIs('AWS::S3::Bucket', 1);
  const logId = withZone.stack.getLogicalId(withZone.stack.resizer.logBucket!.node.defaultChild as never);
  assert.equal(distributionConfig(withZone.json).Logging, { Bucket: { 'Fn::GetAtt': [logId, 'RegionalDomainName'] }, Prefix: 'cloudfront/' });
  withZone.template.hasResourceProperties('AWS::S3::Bucket', {
    LoggingConfiguration: { DestinationBucketName: { Ref: logId }, LogFilePrefix: 's3-originals/' },
  });
  withZone.template.hasResourceProperties('AWS::S3::Bucket', {
    OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
    LifecycleConfiguration: { Rules: [{ ExpirationInDays: 30, Status: 'Enabled' }] },
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
  });
});

test('WAF: off by default; on, a CLOUDFRONT web ACL with a per-IP rate limit from config and the managed common rules, attached', () => {
  defaults.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  assert.is(distributionConfig(defaults.json).WebACLId, undefined);
  const [[aclId, acl]] = resourcesOf(withZone.json, 'AWS::WAFv2::WebACL');
  assert.is(acl.Properties.Scope, 'CLOUDFRONT');
  assert.equal(acl.Properties.DefaultAction, { Allow: {} });
  const [rate, common] = acl.Properties.Rules;
  assert.equal(rate.Statement, { RateBasedStatement: { Limit: 500, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } });
  assert.equal(rate.Action, { Block: {} });
  assert.equal(common.Statement, { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: COMMON_RULE_SET } });
  assert.equal(common.OverrideAction, { None: {} });
  assert.equal(distributionConfig(withZone.json).WebACLId, { 'Fn::GetAtt': [aclId, 'Arn'] });
  assert.throws(() => parseConfig({ deploy: { waf: { rateLimit: 50 } } }), /^config key deploy\.waf\.rateLimit must be an integer from 100 /);
});

function widgetsOf(json: Json): Json[] {
  const [[, dashboard]] = resourcesOf(json, 'AWS::CloudWatch::Dashboard');
  const body = dashboard.Properties.DashboardBody;
  // The body joins literal JSON with tokens (the distribution id); replace tokens to parse it.
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((part: unknown) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text).widgets;
}

test('dashboard: in us-east-1, resizer outcomes summed over the price class\'s regions, and the distribution\'s requests, hit rate, 4xx and 5xx', () => {
  const widgets = widgetsOf(defaults.json);
  const outcomes = widgets.find((w) => w.properties.title?.startsWith('Resizer answers by outcome'));
  assert.ok(outcomes);
  const metrics: unknown[][] = outcomes.properties.metrics;
  const expressions = metrics.filter((m) => (m[0] as Json).expression).map((m) => (m[0] as Json).expression as string);
  assert.is(expressions.length, OUTCOMES.length);
  const regions = PRICE_CLASS_REGIONS.PriceClass_100;
  for (const expression of expressions) assert.is(expression.split(' + ').length, regions.length, expression);
  const sources = metrics.filter((m) => m[0] === metricNamespace('EdgeImageResizer'));
  assert.is(sources.length, OUTCOMES.length * regions.length);
  assert.equal(new Set(sources.map((m) => (m[m.length - 1] as Json).region)), new Set(regions));
  const cloudfront = JSON.stringify(widgets.filter((w) => /Distribution/.test(w.properties.title ?? '')));
  for (const name of ['Requests', 'CacheHitRate', '4xxErrorRate', '5xxErrorRate']) assert.match(cloudfront, `"${name}"`);
  defaults.template.resourceCountIs('AWS::CloudFront::MonitoringSubscription', 1);
});

test('dashboard: the resizer\'s estimated dollars per hour (CostUsd summed hourly over outcomes and regions) beside the counts', () => {
  const widgets = widgetsOf(defaults.json);
  const cost = widgets.find((w) => w.properties.title?.startsWith('Resizer estimated cost, US$ per hour'));
  assert.ok(cost);
  assert.is(cost.properties.period, 3600);
  const metrics: unknown[][] = cost.properties.metrics;
  const sources = metrics.filter((m) => m[0] === metricNamespace('EdgeImageResizer'));
  assert.is(sources.length, OUTCOMES.length * PRICE_CLASS_REGIONS.PriceClass_100.length);
  for (const m of sources) assert.is(m[1], 'CostUsd');
});

test('alarms: 5xx rate and the resizer\'s errors, fallback rate and p99 near the timeout; notify an SNS topic only when configured', () => {
  const names = resourcesOf(defaults.json, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.AlarmName).sort();
  assert.equal(names, [
    'EdgeImageResizer distribution 5xx rate',
    'EdgeImageResizer-resize us-east-1 errors',
    'EdgeImageResizer-resize us-east-1 fallback rate',
    'EdgeImageResizer-resize us-east-1 p99 duration',
  ]);
  defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'EdgeImageResizer-resize us-east-1 p99 duration', ExtendedStatistic: 'p99', MetricName: 'totalMs',
    Threshold: defaults.config.deploy.resizeTimeoutSeconds * 1000 * DURATION_TIMEOUT_SHARE,
    Namespace: metricNamespace('EdgeImageResizer'), Dimensions: [{ Name: 'outcome', Value: 'resized' }],
  });
  defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'EdgeImageResizer distribution 5xx rate', Namespace: 'AWS/CloudFront', MetricName: '5xxErrorRate',
  });
  for (const [, alarm] of resourcesOf(defaults.json, 'AWS::CloudWatch::Alarm')) assert.is(alarm.Properties.AlarmActions, undefined);
  defaults.template.resourceCountIs('AWS::SNS::Topic', 0);

  withZone.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  const [[topicId]] = resourcesOf(withZone.json, 'AWS::SNS::Topic');
  for (const [, alarm] of resourcesOf(withZone.json, 'AWS::CloudWatch::Alarm')) assert.equal(alarm.Properties.AlarmActions, [{ Ref: topicId }]);
});

test('alarms: every other metrics region gets its own alarms stack, in that region (alarms cannot read other regions)', () => {
  const regional = addRegionalAlarmStacks(new App(), parseConfig({ deploy: { metricsRegions: ['us-east-1', 'eu-west-1', 'ap-northeast-2'], alarmEmail: 'ops@example.com', resizeTimeoutSeconds: 20 } }), undefined);
  assert.equal(regional.map((s) => s.region), ['eu-west-1', 'ap-northeast-2']);
  const template = Template.fromStack(regional[1]);
  const names = resourcesOf(template.toJSON(), 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.AlarmName).sort();
  assert.equal(names, ['EdgeImageResizer-resize ap-northeast-2 errors', 'EdgeImageResizer-resize ap-northeast-2 fallback rate', 'EdgeImageResizer-resize ap-northeast-2 p99 duration']);
  template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'totalMs', Threshold: 20000 * DURATION_TIMEOUT_SHARE });
  template.resourceCountIs('AWS::SNS::Topic', 1);
});

test.run();
