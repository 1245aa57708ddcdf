// The ImageResizer construct where a team puts it: a stack outside us-east-1, the team's bucket
// in any region, the team's own distribution. Synthesized in process from the repository's
// templates, with cdk-nag; the packed package is tested the same way in package.test.ts.
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageResizer, type ImageResizerProps } from '../../../infra/cdk/image-resizer';
import type { Json } from '../../helpers/stack';

/** The team's own distribution: its site as the default behaviour, with the findings the team acknowledges for it. */
function teamDistribution(stack: Stack): cloudfront.Distribution {
  const distribution = new cloudfront.Distribution(stack, 'Site', {
    defaultBehavior: { origin: new origins.HttpOrigin('www.example.com') },
    comment: 'the team\'s site',
  });
  for (const id of ['AwsSolutions-CFR1', 'AwsSolutions-CFR2', 'AwsSolutions-CFR3', 'AwsSolutions-CFR4', 'AwsSolutions-CFR5']) {
    Validations.of(distribution).acknowledge({ id, reason: 'the team\'s own distribution, outside this test' });
  }
  return distribution;
}

interface Synthesized { app: App; stack: Stack; resizer: ImageResizer; template: Json; edge?: Json; findings: string[]; failure?: unknown; messages: Json[] }

function synth(region: string, props: (stack: Stack) => ImageResizerProps): Synthesized {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'placement-'));
  const app = new App({ outdir });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'Team', { env: { region } });
  const resizer = new ImageResizer(stack, 'Images', props(stack));
  let failure: unknown;
  let assembly;
  try {
    assembly = app.synth();
  } catch (error) {
    failure = error;
  }
  const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  const findings = (report.pluginReports as Json[]).flatMap((plugin) => plugin.violations.map((v: Json) => `${v.severity} ${v.ruleName} on ${v.violatingConstructs.map((c: Json) => c.constructPath).join(', ')}`));
  const template = Template.fromStack(stack).toJSON();
  const edgeStack = app.node.children.find((child) => child !== stack && Stack.isStack(child)) as Stack | undefined;
  const edge = edgeStack ? Template.fromStack(edgeStack).toJSON() : undefined;
  const messages = assembly ? assembly.getStackArtifact(stack.artifactId).messages as unknown as Json[] : [];
  rmSync(outdir, { recursive: true, force: true });
  return { app, stack, resizer, template, edge, findings, failure, messages };
}

const resourcesOf = (json: Json, type: string) => Object.entries(json.Resources as Json).filter(([, r]) => r.Type === type) as Array<[string, Json]>;

const imported = synth('eu-west-1', () => ({ config: { cors: { allowedOrigins: ['https://www.example.com'] } }, bucket: { bucketName: 'team-originals', region: 'eu-west-1' } }));
const existing = synth('eu-west-1', (stack) => ({ distribution: teamDistribution(stack) }));

test('eu-west-1, imported bucket in eu-west-1: cdk-nag finds nothing unacknowledged; the functions are in us-east-1', () => {
  assert.equal(imported.findings, []);
  assert.is(imported.failure, undefined);
  assert.ok(imported.edge, 'a support stack');
  const functions = resourcesOf(imported.edge!, 'AWS::Lambda::Function').map(([, fn]) => fn.Properties.FunctionName);
  assert.equal(functions, ['EdgeImageResizer-resize']);
  assert.is(resourcesOf(imported.template, 'AWS::Lambda::Function').filter(([, fn]) => fn.Properties.FunctionName === 'EdgeImageResizer-resize').length, 0);
});

test('imported bucket: the origin is its regional domain, no bucket or bucket policy is made, the resizer may read its objects only', () => {
  const [[, distribution]] = resourcesOf(imported.template, 'AWS::CloudFront::Distribution');
  const domains = (distribution.Properties.DistributionConfig.Origins as Json[]).map((o) => o.DomainName);
  assert.equal(domains, ['team-originals.s3.eu-west-1.amazonaws.com']);
  assert.is(resourcesOf(imported.template, 'AWS::S3::Bucket').length, 0);
  assert.is(resourcesOf(imported.template, 'AWS::S3::BucketPolicy').length, 0);
  const [[, role]] = resourcesOf(imported.edge!, 'AWS::IAM::Role').filter(([, r]) => r.Properties.Description === 'Execution role of EdgeImageResizer-resize');
  const statements = (role.Properties.Policies[0].PolicyDocument.Statement as Json[]).filter((s) => s.Action === 's3:GetObject');
  assert.equal(statements.map((s) => s.Resource), [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::team-originals/*']] }]);
});

test('imported bucket: the synth prints what to do, and the policy command adds one statement for this distribution', () => {
  const info = imported.messages.filter((m) => m.level === 'info').map((m) => String(m.entry.data));
  assert.ok(info.some((text) => /team-originals \(eu-west-1\) keeps its policy: .*OriginalsBucketPolicyCommand/.test(text)), info.join('\n'));
  const output = Object.entries(imported.template.Outputs as Json).find(([id]) => id.startsWith('ImagesOriginalsBucketPolicyCommand'));
  assert.ok(output);
  const command = JSON.stringify(output![1].Value);
  assert.match(command, /aws s3api put-bucket-policy --bucket team-originals --policy/);
  assert.match(command, /cloudfront.amazonaws.com/);
  assert.match(command, /s3:GetObject/);
  assert.match(command, /AWS:SourceArn/);
});

test('imported bucket in the stack\'s region: purge notifications are added beside the bucket\'s own (unmanaged)', () => {
  const [[, notifications]] = resourcesOf(imported.template, 'Custom::S3BucketNotifications');
  assert.is(notifications.Properties.BucketName, 'team-originals');
  assert.is(notifications.Properties.Managed, false);
});

test('imported bucket in another region (by name and region, or s3.Bucket.fromBucketAttributes): purge is off with a warning naming why; the origin is still the bucket\'s region', () => {
  for (const far of [
    synth('eu-west-1', () => ({ bucket: { bucketName: 'team-originals', region: 'ap-northeast-2' } })),
    synth('eu-west-1', (stack) => ({ bucket: s3.Bucket.fromBucketAttributes(stack, 'TeamBucket', { bucketName: 'team-originals', region: 'ap-northeast-2' }) })),
  ]) {
  assert.equal(far.findings, []);
  assert.is(resourcesOf(far.template, 'Custom::S3BucketNotifications').length, 0);
  assert.is(resourcesOf(far.template, 'AWS::SQS::Queue').length, 0);
  const warnings = far.messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data));
  assert.ok(warnings.some((text) => /Purge on change is off: .*ap-northeast-2.*eu-west-1/.test(text)), warnings.join('\n'));
  const [[, distribution]] = resourcesOf(far.template, 'AWS::CloudFront::Distribution');
  assert.is(distribution.Properties.DistributionConfig.Origins[0].DomainName, 'team-originals.s3.ap-northeast-2.amazonaws.com');
  }
});

test('existing distribution, new bucket, eu-west-1: cdk-nag finds nothing unacknowledged; the behaviours join the team\'s distribution', () => {
  assert.equal(existing.findings, []);
  assert.is(existing.failure, undefined);
  const distributions = resourcesOf(existing.template, 'AWS::CloudFront::Distribution');
  assert.is(distributions.length, 1, 'no second distribution');
  const config = distributions[0][1].Properties.DistributionConfig;
  assert.is(config.Comment, 'the team\'s site');
  assert.equal((config.CacheBehaviors as Json[]).map((b) => b.PathPattern), ['dev/*.svg', 'dev/*', 'prod/*.svg', 'prod/*']);
  assert.equal(config.DefaultCacheBehavior.LambdaFunctionAssociations, undefined, 'the team\'s default behaviour is left alone');
  const resizing = (config.CacheBehaviors as Json[]).find((b) => b.PathPattern === 'dev/*')!;
  assert.equal(resizing.LambdaFunctionAssociations.map((a: Json) => a.EventType), ['origin-response']);
  assert.is(resourcesOf(existing.template, 'AWS::S3::Bucket').length, 1);
  assert.is(resourcesOf(existing.template, 'AWS::S3::BucketPolicy').length, 1, 'the new bucket gets the OAC statement');
});

test('config errors are one line naming the key; placement errors name what to change', () => {
  const build = (props: (stack: Stack) => ImageResizerProps, region = 'eu-west-1') => {
    const app = new App();
    const stack = new Stack(app, 'Team', { env: { region } });
    try {
      new ImageResizer(stack, 'Images', props(stack));
    } catch (error) {
      return (error as Error).message;
    }
    return 'no error';
  };
  const cases: Array<[(stack: Stack) => ImageResizerProps, RegExp]> = [
    [() => ({ config: { maxDimension: 0 } }), /^config key maxDimension must be an integer from 1 to 16383, got 0$/],
    [() => ({ config: { formats: { outputs: ['webp', 'tiff'] } } }), /^config key formats\.outputs\[1\] must be one of .*, got "tiff"$/],
    [() => ({ config: { widht: 3 } }), /^config key widht must be one of the known keys \(.*\), got "widht"$/],
    [() => ({ config: { deploy: { waf: { rateLimit: 500 } } } }), /^config key deploy\.waf must be null in a stack outside us-east-1 .*eu-west-1/],
    [() => ({ bucket: { bucketName: 'Team_Originals', region: 'eu-west-1' } }), /^ImageResizer bucket\.bucketName must be an S3 bucket name/],
    [() => ({ bucket: { bucketName: 'team-originals', region: 'Ireland' } }), /^ImageResizer bucket\.region must be the bucket's AWS region/],
    [() => ({ config: { signing: { enabled: true }, deploy: { normalizer: 'lambda-edge' } } }), /^ImageResizer signingKeys .* must hold at least one key/],
    [(stack) => ({ distribution: teamDistribution(new Stack(stack.node.scope as App, 'Other', { env: { region: 'eu-west-1' } })) }), /^ImageResizer distribution must be in the ImageResizer's own stack \(Team\), got one in Other$/],
    [(stack) => ({ distribution: teamDistribution(stack), config: { deploy: { waf: { rateLimit: 500 } } } }), /^config key deploy\.waf must be null with an existing distribution/],
  ];
  for (const [props, expected] of cases) {
    const message = build(props);
    assert.match(message, expected);
    assert.not.match(message, /\n/, 'one line');
  }
  const app = new App();
  assert.throws(() => new ImageResizer(new Stack(app, 'Agnostic'), 'Images', {}), /^ImageResizer needs a stack with an explicit region/);
});

/** An output's value with the pseudo parameters and the distribution's id written in, as CloudFormation resolves it. */
function resolved(value: unknown, refs: Record<string, string>): string {
  if (typeof value === 'string') return value;
  const join = (value as Json)['Fn::Join'];
  if (join) return (join[1] as unknown[]).map((part) => resolved(part, refs)).join(join[0]);
  const ref = (value as Json).Ref as string;
  if (ref in refs) return refs[ref];
  if (ref.startsWith('ImagesDistribution')) return 'E2EXAMPLE';
  throw new Error(`unresolved ${JSON.stringify(value)}`);
}

test('the bucket policy command keeps the bucket\'s own statements and adds one, once, however often it runs (the aws CLI is a stub: bash, jq real)', () => {
  const [, output] = Object.entries(imported.template.Outputs as Json).find(([id]) => id.startsWith('ImagesOriginalsBucketPolicyCommand'))!;
  const command = resolved(output.Value, { 'AWS::Partition': 'aws', 'AWS::AccountId': '123456789012' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'policy-'));
  const policyFile = path.join(dir, 'policy.json');
  const teamStatement = { Sid: 'TeamReaders', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:role/reader' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::team-originals/*' };
  writeFileSync(policyFile, JSON.stringify({ Version: '2012-10-17', Statement: [teamStatement] }));
  // The stub answers get-bucket-policy from the file and writes put-bucket-policy's --policy to it.
  const stub = `aws() { if [ "$2" = get-bucket-policy ]; then cat '${policyFile}'; else while [ "$1" != --policy ]; do shift; done; printf '%s' "$2" > '${policyFile}'; fi; }`;
  for (let run = 0; run < 2; run++) execFileSync('bash', ['-c', `${stub}\n${command}`]);
  const policy = JSON.parse(readFileSync(policyFile, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  assert.is(policy.Statement.length, 2);
  assert.equal(policy.Statement[0], teamStatement);
  assert.equal(policy.Statement[1].Principal, { Service: 'cloudfront.amazonaws.com' });
  assert.equal(policy.Statement[1].Resource, ['arn:aws:s3:::team-originals', 'arn:aws:s3:::team-originals/*']);
  assert.equal(policy.Statement[1].Condition, { StringEquals: { 'AWS:SourceArn': 'arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE' } });
});

test.run();
