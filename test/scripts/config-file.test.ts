// One config for the build, the local edge and the CDK app: a non-default RESIZER_CONFIG
// reaches the synthesized template and the bundles alike (each run as its command runs, in a
// child process with only RESIZER_CONFIG set), and the file is read in one module.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BAKED_CONFIG_NAME, bakedConfigText, configFilePath, DEFAULT_CONFIG_FILE, readConfigFile } from '../../shared/config-file';
import { CACHE_KEY_PARAMS } from '../../shared/params';
import { normalizerRuntimes } from '../helpers/normalizers';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OTHER = {
  maxDimension: 1000,
  behaviors: ['media/*'],
  cors: { allowedOrigins: ['https://www.example.com'] },
  deploy: { stackName: 'OtherResizer', prodBehaviors: ['media/*'] },
};

const configs = suite<{ folder: string; file: string }>('one config file', { folder: '', file: '' });

configs.before((context) => {
  context.folder = mkdtempSync(path.join(os.tmpdir(), 'config-file-'));
  context.file = path.join(context.folder, 'other.config.json');
  writeFileSync(context.file, JSON.stringify(OTHER));
});

configs.after(({ folder }) => {
  rmSync(folder, { recursive: true, force: true });
});

function runTsx(args: string[], env: Record<string, string>) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_OPTIONS;
  const result = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: root, env: childEnv, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.is(result.status, 0, result.stderr);
  return result;
}

configs('RESIZER_CONFIG names the file, relative to the working directory; the default is resizer.config.json', () => {
  assert.is(configFilePath({}), DEFAULT_CONFIG_FILE);
  assert.is(configFilePath({ RESIZER_CONFIG: 'other.json' }), path.resolve('other.json'));
});

configs('the CDK app synthesizes the stack from RESIZER_CONFIG: name, behaviours, cache-key allowlist, CORS', ({ folder, file }) => {
  const outdir = path.join(folder, 'cdk.out');
  runTsx(['infra/cdk/app.ts'], { RESIZER_CONFIG: file, CDK_OUTDIR: outdir });
  const template = JSON.parse(readFileSync(path.join(outdir, 'OtherResizer.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
  const of = (type: string) => Object.values(template.Resources).filter((resource) => resource.Type === type).map((resource) => resource.Properties);
  const distribution = of('AWS::CloudFront::Distribution')[0].DistributionConfig;
  assert.equal(distribution.CacheBehaviors.map((behavior: { PathPattern: string }) => behavior.PathPattern), ['media/*.svg', 'media/*']);
  const cachePolicies = of('AWS::CloudFront::CachePolicy').map((policy) => policy.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig);
  // The canonical parameters: listed, or `all` behind the normalizer (which leaves only those).
  assert.ok(cachePolicies.some((query) => query.QueryStringBehavior === 'all' || JSON.stringify(query.QueryStrings) === JSON.stringify(CACHE_KEY_PARAMS)), 'the variant cache policy keys on the canonical parameters');
  const cors = of('AWS::CloudFront::ResponseHeadersPolicy')[0].ResponseHeadersPolicyConfig.CorsConfig;
  assert.equal(cors.AccessControlAllowOrigins.Items, ['https://www.example.com']);
  const bucketCors = of('AWS::S3::Bucket').flatMap((bucket) => (bucket.CorsConfiguration ? bucket.CorsConfiguration.CorsRules : []));
  assert.equal(bucketCors.map((rule: { AllowedOrigins: string[] }) => rule.AllowedOrigins), [['https://www.example.com']]);
});

configs('the build bakes RESIZER_CONFIG into the bundles, and records it beside them', async ({ folder, file }) => {
  const outDir = path.join(folder, 'dist');
  runTsx(['-e', `import('./scripts/build.ts').then((m) => m.buildAll({ outDir: ${JSON.stringify(outDir)} }))`], { RESIZER_CONFIG: file });
  assert.is(readFileSync(path.join(outDir, BAKED_CONFIG_NAME), 'utf8'), bakedConfigText(readConfigFile(file).config));
  // maxDimension 1000: both normalizer builds clamp w=3000 to 1000.
  for (const [name, normalize] of normalizerRuntimes(outDir)) {
    const answer = await normalize('w=3000&f=webp', undefined, '/media/a.jpg');
    assert.ok('query' in answer && /(^|&)w=1000(&|$)/.test(answer.query), `${name}: ${JSON.stringify(answer)}`);
  }
});

configs('RESIZER_CONFIG is read in shared/config-file.ts and nowhere else', () => {
  const found = spawnSync('git', ['grep', '--untracked', '-l', 'env.RESIZER_CONFIG', '--', '*.ts', ':!test'], { cwd: root, encoding: 'utf8' }).stdout.trim().split('\n');
  assert.equal(found, ['shared/config-file.ts']);
});

configs.run();
