// The construct package as a team gets it: `npm pack` of cdk/, installed into an empty CDK app
// in a temporary folder beside the app's own aws-cdk-lib, constructs and cdk-nag (linked from
// this repository's node_modules: no network), then synthesized there by plain Node, offline,
// with cdk-nag's AwsSolutions pack: a stack in eu-west-1 with the team's bucket in eu-west-1,
// and one with a new bucket added to the team's existing Distribution.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Json } from '../../helpers/stack';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** Child processes run as in a team's project: without the test runner's `--import tsx`. */
const appEnv = { ...process.env, NODE_OPTIONS: '' };
const pack = suite<{ dir: string; project: string }>('construct package from its tarball', {} as never);

const APP = `
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ImageResizer } from '@edge-image-resizer/cdk';

const app = new App({ outdir: process.argv[2] });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

// The team's bucket of originals in eu-west-1, a stack in eu-west-1.
const images = new Stack(app, 'Images', { env: { region: 'eu-west-1' } });
new ImageResizer(images, 'Resizer', {
  config: { cors: { allowedOrigins: ['https://www.example.com'] }, deploy: { stackName: 'TeamImages' } },
  bucket: { bucketName: 'team-originals', region: 'eu-west-1' },
});

// The team's site and its distribution; the resizer adds its behaviours to it, with a new bucket.
const site = new Stack(app, 'Site', { env: { region: 'eu-west-1' } });
const distribution = new cloudfront.Distribution(site, 'Cdn', {
  defaultBehavior: { origin: new origins.HttpOrigin('www.example.com') },
  errorResponses: ImageResizer.errorResponses({}),
});
for (const id of ['AwsSolutions-CFR1', 'AwsSolutions-CFR2', 'AwsSolutions-CFR3', 'AwsSolutions-CFR4', 'AwsSolutions-CFR5']) {
  Validations.of(distribution).acknowledge({ id, reason: "the team's own distribution" });
}
new ImageResizer(site, 'Resizer', { config: { deploy: { stackName: 'SiteImages' } }, distribution });
app.synth();
`;

pack.before((context) => {
  context.dir = mkdtempSync(path.join(os.tmpdir(), 'cdk-pack-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--loglevel=error', '--pack-destination', context.dir], { cwd: path.join(root, 'cdk'), encoding: 'utf8', env: appEnv }));
  context.project = path.join(context.dir, 'team-app');
  mkdirSync(context.project);
  writeFileSync(path.join(context.project, 'package.json'), JSON.stringify({ name: 'team-app', private: true, type: 'module' }));
  const linked = ['aws-cdk-lib', 'constructs', 'cdk-nag'].map((name) => path.join(root, 'node_modules', name));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', path.join(context.dir, packed[0].filename), ...linked], { cwd: context.project, encoding: 'utf8', env: appEnv });
  writeFileSync(path.join(context.project, 'app.mjs'), APP);
});

pack.after(({ dir }) => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs a script of the team's app with Node; its output folder, status and stderr. */
function run(project: string, script: string) {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'cdk-out-'));
  const result = spawnSync(process.execPath, [script, outdir], { cwd: project, encoding: 'utf8', env: appEnv });
  return { outdir, status: result.status, stderr: result.stderr };
}

const template = (outdir: string, stack: string): Json => JSON.parse(readFileSync(path.join(outdir, `${stack}.template.json`), 'utf8'));
const resourcesOf = (json: Json, type: string) => Object.values(json.Resources as Json).filter((r) => r.Type === type) as Json[];

pack('the package holds its code, types and bundle templates (sharp for linux-x64 inside), and needs only aws-cdk-lib and constructs', ({ project }) => {
  const installed = path.join(project, 'node_modules/@edge-image-resizer/cdk');
  const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
  assert.equal(Object.keys(manifest.peerDependencies).sort(), ['aws-cdk-lib', 'constructs']);
  assert.not.ok(manifest.dependencies, 'no dependencies of its own');
  for (const file of ['dist/index.js', 'dist/index.cjs', 'dist/types/infra/cdk/index.d.ts', 'dist/assets/resize/index.js', 'dist/assets/resize/modules/sharp/package.json', 'dist/assets/normalize-cff/index.js', 'dist/assets/purge/index.js']) {
    assert.ok(readFileSync(path.join(installed, file)).length > 0, file);
  }
});

pack('an empty CDK app synthesizes offline: eu-west-1 with an imported eu-west-1 bucket, and a new bucket on an existing Distribution; cdk-nag finds nothing unacknowledged', ({ project }) => {
  const { outdir, status, stderr } = run(project, 'app.mjs');
  try {
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    const findings = (report.pluginReports as Json[]).flatMap((plugin) => plugin.violations.map((v: Json) => `${v.ruleName} on ${v.violatingConstructs.map((c: Json) => c.constructPath).join(', ')}`));
    assert.equal(findings, []);
    assert.is(status, 0, stderr);

    const images = template(outdir, 'Images');
    const [cdn] = resourcesOf(images, 'AWS::CloudFront::Distribution');
    assert.equal(cdn.Properties.DistributionConfig.Origins.map((o: Json) => o.DomainName), ['team-originals.s3.eu-west-1.amazonaws.com']);
    assert.is(resourcesOf(images, 'AWS::S3::Bucket').length, 0, 'the team\'s bucket is not made again');
    assert.ok(Object.keys(images.Outputs).some((id) => id.startsWith('ResizerOriginalsBucketPolicyCommand')));

    const site = template(outdir, 'Site');
    const distributions = resourcesOf(site, 'AWS::CloudFront::Distribution');
    assert.is(distributions.length, 1, 'the team\'s distribution only');
    assert.equal(distributions[0].Properties.DistributionConfig.CacheBehaviors.map((b: Json) => b.PathPattern), ['dev/*.svg', 'dev/*', 'prod/*.svg', 'prod/*']);
    assert.is(distributions[0].Properties.DistributionConfig.CustomErrorResponses.length, 11);

    // The Lambda@Edge functions are in us-east-1 support stacks, with the team's config baked in.
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    const edgeStacks = Object.entries(manifest.artifacts as Json).filter(([, a]) => a.type === 'aws:cloudformation:stack' && a.environment.endsWith('/us-east-1')).map(([id]) => id);
    assert.is(edgeStacks.length, 2);
    const resizers = edgeStacks.flatMap((id) => resourcesOf(template(outdir, id), 'AWS::Lambda::Function')).map((fn) => fn.Properties.FunctionName).sort();
    assert.equal(resizers, ['SiteImages-resize', 'TeamImages-resize']);
    const assets = readFileSync(path.join(outdir, `${edgeStacks[0]}.assets.json`), 'utf8');
    const folders = Object.values(JSON.parse(assets).files as Json).map((f) => f.source.path as string).filter((p) => p.startsWith('asset.'));
    const codes = folders.map((folder) => readFileSync(path.join(outdir, folder, 'index.js'), 'utf8'));
    assert.ok(codes.some((code) => code.includes('stackName:"TeamImages"') || code.includes('stackName:"SiteImages"')), 'the config is in the resizer');
    assert.ok(codes.every((code) => !code.includes('__EDGE_IMAGE_RESIZER_')), 'no placeholder left');
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

pack('a bad config key fails the synth with one line naming it; CommonJS apps can require the package too', ({ project }) => {
  writeFileSync(path.join(project, 'bad.cjs'), `
const { App, Stack } = require('aws-cdk-lib');
const { ImageResizer } = require('@edge-image-resizer/cdk');
const app = new App({ outdir: process.argv[2] });
try {
  new ImageResizer(new Stack(app, 'Images', { env: { region: 'eu-west-1' } }), 'Resizer', { config: { quality: { webp: 101 } } });
} catch (error) {
  console.error(error.message);
  process.exit(2);
}
`);
  const { outdir, status, stderr } = run(project, 'bad.cjs');
  rmSync(outdir, { recursive: true, force: true });
  assert.is(status, 2);
  assert.is(stderr, 'config key quality.webp must be an integer from 1 to 100, got 101\n');
});

/** The README's construct snippet, word by word (TypeScript, as a team writes it). */
function readmeSnippet(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Into your own CDK app'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(match, 'the README has the construct snippet');
  return match![1];
}

pack('the README\'s snippet, compiled as a team would, synthesizes in eu-west-1 with cdk-nag (the team acknowledges its own distribution\'s findings)', async ({ project }) => {
  const { transform } = await import('esbuild');
  writeFileSync(path.join(project, 'site-stack.mjs'), (await transform(readmeSnippet(), { loader: 'ts', format: 'esm' })).code);
  writeFileSync(path.join(project, 'resizer.config.json'), JSON.stringify({ widths: [320, 640, 1280], deploy: { stackName: 'SiteImages' } }));
  writeFileSync(path.join(project, 'readme-app.mjs'), `
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SiteStack } from './site-stack.mjs';
const app = new App({ outdir: process.argv[2] });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const stack = new SiteStack(app, 'Site', { env: { region: 'eu-west-1' } });
for (const id of ['AwsSolutions-CFR1', 'AwsSolutions-CFR2', 'AwsSolutions-CFR3', 'AwsSolutions-CFR4', 'AwsSolutions-CFR5']) {
  Validations.of(stack.node.findChild('Cdn')).acknowledge({ id, reason: "the team's own distribution" });
}
app.synth();
`);
  const { outdir, status, stderr } = run(project, 'readme-app.mjs');
  try {
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    assert.equal((report.pluginReports as Json[]).flatMap((plugin) => plugin.violations.map((v: Json) => v.ruleName)), []);
    assert.is(status, 0, stderr);
    const site = template(outdir, 'Site');
    const [cdn] = resourcesOf(site, 'AWS::CloudFront::Distribution');
    assert.ok(cdn.Properties.DistributionConfig.Origins.some((o: Json) => o.DomainName === 'my-site-originals.s3.eu-west-1.amazonaws.com'));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

pack.run();
