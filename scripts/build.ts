// npm run build: the three deployable outputs under dist/.
//   dist/normalize/index.js      Lambda@Edge viewer-request, CommonJS
//   dist/normalize-cff/index.js  CloudFront Functions (cloudfront-js-2.0) script
//   dist/resize/                 Lambda@Edge origin-response, CommonJS, plus sharp's node_modules for linux-x64 glibc
//   dist/purge/index.js          regional Lambda (SQS of S3 events -> CloudFront invalidations), CommonJS
//   client/dist/                 the client package's ESM bundles and types (scripts/build-client.ts)
//   cdk/dist/                    the construct package: its code and the bundle templates (scripts/build-cdk.ts)
// The config in use (shared/config-file.ts: RESIZER_CONFIG or resizer.config.json) is baked into
// the functions, and written to dist/baked-config.json so `npm start` can tell whether dist/
// was built from the config it is about to serve; with signing on, the Lambda@Edge normalizer
// also gets the keys of SIGNING_KEYS_FILE.
import { build, type Plugin } from 'esbuild';
import { minify } from 'terser';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config, NormalizerConfig } from '../shared/config';
import { MANGLE_CACHE_FILE, normalizerBakedConfig, normalizerFeatures, type NormalizerFeatures } from '../infra/cdk/bundles';
import { BAKED_CONFIG_NAME, bakedConfigText, projectConfig } from '../shared/config-file';
import { keyBoundLine } from '../shared/key-bound';
import { FORMATS, INFO_FORMATS, OUTPUT_FORMATS } from '../shared/formats';
import { buildCdkPackage } from './build-cdk';
import { buildClient } from './build-client';
import { CLOUDFRONT_FUNCTION_MAX_BYTES, LAMBDA_EDGE_VIEWER_PACKAGE_MAX_BYTES } from '../shared/limits';
import { SIGNING_KEYS_VARIABLE, signingKeysFromEnv } from './signing-keys';

/** What cloudfront-js-2.0 supports beyond ES5.1. */
const CLOUDFRONT_JS_2_EXTRAS = {
  arrow: true, 'const-and-let': true, 'template-literal': true, 'rest-argument': true,
  'exponent-operator': true, 'async-await': true,
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const defaultDist = path.join(root, 'dist');

/**
 * A JavaScript literal of a baked value. The config's own keys are written unquoted so that the
 * normalizers' property mangling (INTERNAL_PROPERTIES) renames them with the code that reads
 * them; the keys of `presets`, `watermarks` and `quality` are the site's preset, watermark and format names, data
 * that requests are looked up in, so they stay quoted and are never renamed.
 */
export function bakedLiteral(value: unknown, dataKeys = false): string {
  if (Array.isArray(value)) return `[${value.map((item) => bakedLiteral(item)).join(',')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const entries = Object.entries(value).map(([key, child]) => {
    const name = !dataKeys && /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
    return `${name}:${bakedLiteral(child, key === 'presets' || key === 'watermarks' || key === 'quality')}`;
  });
  return `{${entries.join(',')}}`;
}

/** A value the build leaves to a later step: the bundle holds this free identifier in its place (infra/cdk/bundles.ts fills it). */
export class Placeholder {
  constructor(readonly name: string) {}
}

const bakedSource = (value: unknown) => (value instanceof Placeholder ? value.name : bakedLiteral(value));

export function bakeConfig(config: unknown): Plugin {
  return {
    name: 'bake-config',
    setup(b) {
      b.onResolve({ filter: /baked-config$/ }, () => ({ path: 'baked-config', namespace: 'baked-config' }));
      b.onLoad({ filter: /.*/, namespace: 'baked-config' }, () => ({
        contents: `export const bakedConfig = ${bakedSource(config)};`,
        loader: 'js',
      }));
    },
  };
}

function bakeSigningKeys(keys: readonly string[] | Placeholder): Plugin {
  return {
    name: 'bake-signing-keys',
    setup(b) {
      b.onResolve({ filter: /(^|\/)signing-keys$/ }, () => ({ path: 'signing-keys', namespace: 'signing-keys' }));
      b.onLoad({ filter: /.*/, namespace: 'signing-keys' }, () => ({
        contents: `export const bakedSigningKeys = ${bakedSource(keys)};`,
        loader: 'js',
      }));
    },
  };
}

/** The keys the Lambda@Edge normalizer is built with: none unless signing is on. */
export function lambdaSigningKeys(config: Config, env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  if (!config.signing.enabled) return [];
  const keys = signingKeysFromEnv(env);
  if (keys) return keys;
  if (config.deploy.normalizer === 'lambda-edge') {
    throw new Error(`signing.enabled is true and deploy.normalizer is "lambda-edge": set ${SIGNING_KEYS_VARIABLE}=<path> (one key per line) to build the normalizer`);
  }
  return [];
}

/** The runtime modules the CloudFront Functions script imports (the names cloudfront-function-main.ts declares). */
const CLOUDFRONT_FUNCTION_IMPORTS = "import cfCrypto from 'crypto';\nimport cf from 'cloudfront';\n";
/**
 * The top-level function the runtime calls. The bundle's code assigns `normalizerHandler`, a
 * name of the script's own top level like every other, which terser shortens; `handler` it keeps.
 */
const CLOUDFRONT_FUNCTION_HANDLER = 'var normalizerHandler;\nasync function handler(event) { return normalizerHandler(event); }';

/**
 * terser over esbuild's minified script, for the CloudFront Function's 10 KB only: it folds
 * what esbuild's single pass leaves (sequences, inlined one-use functions and constants,
 * shorter conditionals) and shortens the script's top-level names, all but `handler`.
 * `ecma: 5` keeps it from writing syntax cloudfront-js-2.0 lacks (shorthand properties,
 * destructuring); what esbuild emitted (let, arrows, template literals, async) it keeps as is.
 * collapse_vars is off: it moves `await x` into call arguments, which njs (and so CloudFront
 * Functions) refuses ("await in arguments not supported"). unsafe_arrows writes function
 * expressions as arrows (which cloudfront-js-2.0 has): unsafe only for code that reads `this`
 * or `arguments` or calls them with `new`, which the normalizer never does. A third pass and
 * hoisting function declarations (safe: declarations are hoisted anyway) find 37-40 bytes more.
 */
async function secondPass(code: string): Promise<string> {
  const result = await minify(code + '\n' + CLOUDFRONT_FUNCTION_HANDLER, {
    ecma: 5,
    toplevel: true,
    compress: { passes: 3, hoist_funs: true, collapse_vars: false, top_retain: ['handler'], ecma: 2015, unsafe_arrows: true },
    mangle: { reserved: ['handler'] },
    format: { ecma: 5, ascii_only: true },
  });
  if (result.code === undefined) throw new Error('terser returned no code for the CloudFront Function');
  return result.code;
}

function commonOptions(config: Config | NormalizerConfig | Placeholder) {
  return { bundle: true, minify: true, legalComments: 'none' as const, plugins: [bakeConfig(config)], logLevel: 'warning' as const };
}

/**
 * The normalizers read only the output and info formats and whether each keeps alpha and can animate
 * (fold rules); the rest of the format table (content types, decoders) is the resizer's and
 * would only weigh on the 10 KB script. Importing anything else from it fails the build.
 */
function bakeFormats(): Plugin {
  // Only the facts that hold, as 1: the fold rules read them as true or not (a missing one is false).
  const facts: Record<string, { alpha?: 1; animates?: 1 }> = {};
  for (const name of [...OUTPUT_FORMATS, ...INFO_FORMATS]) {
    facts[name] = {};
    if (FORMATS[name].alpha) facts[name].alpha = 1;
    if (FORMATS[name].animates) facts[name].animates = 1;
  }
  return {
    name: 'bake-formats',
    setup(b) {
      b.onResolve({ filter: /^\.\/formats$/ }, (args) => (path.dirname(args.importer) === path.join(root, 'shared') ? { path: 'formats', namespace: 'baked-formats' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'baked-formats' }, () => ({
        contents: `export const OUTPUT_FORMATS = ${JSON.stringify(OUTPUT_FORMATS)};\nexport const INFO_FORMATS = ${JSON.stringify(INFO_FORMATS)};\nexport const FORMATS = ${bakedLiteral(facts, true)};`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Property names that only the normalizer's own code reads and writes, shortened in its bundles
 * (esbuild's mangleProps; quoted keys are never renamed). Each is internal: the parameter table's
 * fields (shared/params.ts), the baked config's keys, the format facts, the error's fields, the
 * signed request and the viewer input. Never a name that a JavaScript built-in, the CloudFront
 * Functions or Lambda@Edge event or response, or their crypto and KeyValueStore APIs use: a test
 * (test/scripts/build-mangle.test.ts) checks the list against all of those. That is why the
 * table's rows say `param`, `low`, `high` and `choices` rather than `name`, `min`, `max` and
 * `values`: renamed, they cost one byte each in every row and every read. Left out on purpose:
 * `name`, `message`, `keys`, `now`, `code` (built-ins' names, such as Error's), `status`, `accept`, `uri` (events' fields), `widths` and `qualities` (read by
 * a computed key, `config[row.snap.list]`), `signing` (a feature flag the build's `define`
 * replaces, which renaming would defeat).
 */
export const INTERNAL_PROPERTIES = [
  // shared/params.ts rows
  'param', 'low', 'high', 'choices', 'kind', 'aliases', 'point', 'clamp', 'step', 'modulo', 'digits', 'zero', 'fold', 'canonical', 'byDpr', 'snap', 'list', 'up', 'follows', 'open', 'respell',
  // the baked config (shared/config.ts NORMALIZER_KEYS) and format facts
  'maxDimension', 'behaviors', 'formats', 'outputs', 'autoAvif', 'quality', 'presets', 'watermarks', 'presetsOnly', 'densities', 'allowedParams', 'enabled', 'originals', 'alpha', 'animates',
  // ResizerError, SignedRequest, ViewerInput, SigningRuntime
  'isResizerError', 'query', 'signature', 'rawQuery', 'hmac',
] as const;
const MANGLED = new RegExp(`^(${INTERNAL_PROPERTIES.join('|')})$`);

/**
 * shared/features.ts as the config has it: NORMALIZER_FEATURES.<name> becomes the config's true
 * or false where it is read, so esbuild drops the code of what is off, and the module that turns
 * everything on elsewhere is empty here.
 */
function featureOptions(features: NormalizerFeatures) {
  const plugin: Plugin = {
    name: 'bake-features',
    setup(b) {
      b.onResolve({ filter: /(^|\/)features$/ }, (args) => (args.resolveDir.startsWith(root) ? { path: 'features', namespace: 'baked-features' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'baked-features' }, () => ({ contents: '', loader: 'js' }));
    },
  };
  const define: Record<string, string> = {};
  for (const [name, on] of Object.entries(features)) define[`NORMALIZER_FEATURES.${name}`] = String(on);
  return { plugin, define };
}

/** Each edge bundle's own size limit. */
export const BUNDLE_LIMITS: Readonly<Record<string, number>> = {
  'normalize/index.js': LAMBDA_EDGE_VIEWER_PACKAGE_MAX_BYTES,
  'normalize-cff/index.js': CLOUDFRONT_FUNCTION_MAX_BYTES,
};

/**
 * The resizer's bundle (sharp beside it, not in it): a budget of ours, not a CloudFront limit.
 * Its size is what a cold container parses before the first answer, and the AWS SDK, which
 * alone took longer to load than sharp, must never come back into it (shared/s3-reader.ts).
 */
export const RESIZE_BUNDLE_MAX_BYTES = 150 * 1024;

/** Fails the build for a resizer bundle over its budget or with the AWS SDK inside. */
export function checkResizeBundle(text: string): void {
  const bytes = Buffer.byteLength(text);
  if (bytes > RESIZE_BUNDLE_MAX_BYTES) throw new Error(`dist/resize/index.js is ${bytes} bytes, over its ${RESIZE_BUNDLE_MAX_BYTES}-byte budget`);
  if (text.indexOf('@aws-sdk') >= 0) throw new Error('dist/resize/index.js contains @aws-sdk: the resizer reads S3 through shared/s3-reader.ts, not the SDK');
}

/** Fails the build for a bundle over its limit, naming both. */
export function checkBundleSize(file: string, bytes: number): void {
  const limit = BUNDLE_LIMITS[file];
  if (limit !== undefined && bytes > limit) throw new Error(`dist/${file} is ${bytes} bytes, over its ${limit}-byte limit`);
}

/** Where each normalizer build goes under outDir, by default normalize/ and normalize-cff/. */
export interface NormalizerOutputs { readonly normalize: string; readonly cff: string }

/**
 * Both normalizers for one feature combination, with the config and keys given (or placeholders
 * for them: the construct package's templates).
 */
export async function buildNormalizerPair(features: NormalizerFeatures, baked: NormalizerConfig | Placeholder, signingKeys: readonly string[] | Placeholder, outDir: string, outputs: NormalizerOutputs = { normalize: 'normalize', cff: 'normalize-cff' }): Promise<void> {
  const featureBuild = featureOptions(features);
  const common = { ...commonOptions(baked), plugins: [bakeConfig(baked), bakeFormats(), featureBuild.plugin], define: featureBuild.define, mangleProps: MANGLED };
  // A template records the property names the build shortened, so that the config written in
  // later gets the names the code reads (infra/cdk/bundles.ts).
  const template = baked instanceof Placeholder;
  const lambda = await build({
    ...common,
    ...(template ? { mangleCache: {} } : {}),
    plugins: [...common.plugins, bakeSigningKeys(signingKeys)],
    entryPoints: [path.join(root, 'functions/normalize/index.ts')],
    outfile: path.join(outDir, outputs.normalize, 'index.js'),
    platform: 'node', format: 'cjs', target: 'node20',
  });

  // cloudfront-js-2.0 is ES5.1 plus the few later features listed in CloudFront's "JavaScript
  // runtime 2.0 features"; esbuild fails the build on anything else it cannot lower (for-of,
  // classes, destructuring). The script is a module (its first lines import the runtime's
  // modules, as CloudFront's helper-method pages require) whose top level holds the bundle's
  // code, no IIFE, and the `handler` the runtime calls.
  const script = await build({
    ...common,
    ...(template ? { mangleCache: {} } : {}),
    entryPoints: [path.join(root, 'functions/normalize/cloudfront-function-main.ts')],
    write: false,
    platform: 'neutral', format: 'esm', target: 'es5',
    supported: CLOUDFRONT_JS_2_EXTRAS,
  });
  const body = await secondPass(script.outputFiles[0].text);
  mkdirSync(path.join(outDir, outputs.cff), { recursive: true });
  writeFileSync(path.join(outDir, outputs.cff, 'index.js'), `${CLOUDFRONT_FUNCTION_IMPORTS}${body}
`);
  // CommonJS inside a "type": "module" package.
  writeFileSync(path.join(outDir, outputs.normalize, 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
  if (template) {
    writeFileSync(path.join(outDir, outputs.normalize, MANGLE_CACHE_FILE), JSON.stringify(lambda.mangleCache) + '\n');
    writeFileSync(path.join(outDir, outputs.cff, MANGLE_CACHE_FILE), JSON.stringify(script.mangleCache) + '\n');
  }
}

/**
 * Both normalizers, into `outDir`/normalize and `outDir`/normalize-cff. They bake only the
 * config keys they read: the CloudFront Functions script is limited to 10 KB, and nothing else
 * of the config (stack name, deploy settings) belongs in it.
 */
export async function buildNormalizers(config: Config, signingKeys: readonly string[], outDir: string): Promise<void> {
  await buildNormalizerPair(normalizerFeatures(config), normalizerBakedConfig(config), signingKeys, outDir);
  // The CloudFront Functions script is held to its limit only where the stack deploys it: with
  // the Lambda@Edge normalizer (the setting for a config whose script would not fit 10 KB) it
  // is built for the local edge's comparisons but never created in AWS, and the local edge
  // refuses to run an over-limit script (infra/local/functions.ts).
  for (const file of Object.keys(BUNDLE_LIMITS)) {
    if (file === 'normalize-cff/index.js' && config.deploy.normalizer !== 'cloudfront-function') continue;
    checkBundleSize(file, statSync(path.join(outDir, file)).size);
  }
}

export interface BuildOptions {
  /** Default: the config in use (projectConfig()). */
  readonly config?: Config;
  /** Default: the repository's dist/. */
  readonly outDir?: string;
}

export async function buildAll(options: BuildOptions = {}): Promise<void> {
  const config = options.config || projectConfig().config;
  const dist = options.outDir || defaultDist;
  const signingKeys = lambdaSigningKeys(config);
  rmSync(dist, { recursive: true, force: true });
  await buildNormalizers(config, signingKeys, dist);

  await buildResize(config, dist);
  copySharp(path.join(dist, 'resize/node_modules'));
  await buildPurge(dist);

  writeFileSync(path.join(dist, BAKED_CONFIG_NAME), bakedConfigText(config));
  // The client and construct packages beside the repository's own build only (a build into another folder is a test's or a tool's).
  if (!options.outDir) {
    await buildClient(config);
    await buildCdkPackage();
  }
}

/** The resizer into `outDir`/resize, its config baked (or a placeholder for it); sharp stays outside the bundle. */
export async function buildResize(config: Config | Placeholder, outDir: string): Promise<void> {
  await build({
    ...commonOptions(config),
    keepNames: true,
    entryPoints: [path.join(root, 'functions/resize/index.ts')],
    outfile: path.join(outDir, 'resize/index.js'),
    platform: 'node', format: 'cjs', target: 'node20',
    external: ['sharp'],
  });
  checkResizeBundle(readFileSync(path.join(outDir, 'resize/index.js'), 'utf8'));
  // CommonJS inside a "type": "module" package.
  writeFileSync(path.join(outDir, 'resize', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
}

/** The purge function into `outDir`/purge: it reads no config. */
export async function buildPurge(outDir: string): Promise<void> {
  await build({
    bundle: true, minify: true, legalComments: 'none', logLevel: 'warning',
    entryPoints: [path.join(root, 'functions/purge/index.ts')],
    outfile: path.join(outDir, 'purge/index.js'),
    platform: 'node', format: 'cjs', target: 'node22',
    // The nodejs22.x runtime ships the AWS SDK v3; this function is not at the edge, so no size limit argues for bundling it.
    external: ['@aws-sdk/*'],
  });
  writeFileSync(path.join(outDir, 'purge', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
}

/** sharp loads its native binding from @img/sharp-linux-x64 and libvips from @img/sharp-libvips-linux-x64. */
export function copySharp(target: string): void {
  const packages = ['sharp', '@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64', '@img/colour', 'detect-libc', 'semver'];
  mkdirSync(target, { recursive: true });
  for (const name of packages) {
    const dir = path.join(root, 'node_modules', name);
    if (!existsSync(dir)) {
      if (name.startsWith('@img/sharp')) throw new Error(`${name} is not installed: run npm ci on linux-x64 (glibc)`);
      continue;
    }
    cpSync(dir, path.join(target, name), { recursive: true, dereference: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  buildAll().then(
    () => {
      for (const file of ['normalize/index.js', 'normalize-cff/index.js', 'resize/index.js', 'purge/index.js']) {
        console.log(`dist/${file}  ${statSync(path.join(defaultDist, file)).size} bytes`);
      }
      console.log(`config ${path.relative(process.cwd(), projectConfig().file)} baked in`);
      // The bound the README and SECURITY.md state (shared/key-bound.ts).
      console.log(keyBoundLine(projectConfig().config));
      if (!existsSync(path.join(defaultDist, 'resize/node_modules/@img/sharp-linux-x64'))) process.exitCode = 1;
    },
    (error) => {
      console.error(`build failed: ${error instanceof Error ? error.message : error}`);
      process.exit(1);
    },
  );
}
