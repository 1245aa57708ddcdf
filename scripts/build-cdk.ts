// The construct package (cdk/): @edge-image-resizer/cdk as a team installs it.
//   cdk/dist/index.js, index.cjs  the construct's code (infra/cdk/index.ts and what it imports from
//                                 shared/), ESM and CommonJS; aws-cdk-lib and constructs are the app's own
//   cdk/dist/types/               its type declarations
//   cdk/dist/assets/              the bundle templates (infra/cdk/bundles.ts): the resizer with sharp for
//                                 linux-x64 under modules/, the purge function, and both normalizers
//                                 for each feature combination, a placeholder where the config goes
import { build, type Plugin } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_NORMALIZER_FEATURES, CONFIG_PLACEHOLDER, normalizerTemplate, SIGNING_KEYS_PLACEHOLDER, TEMPLATE_MODULES_DIR } from '../infra/cdk/bundles';
import { addExtensions } from './build-client';
import { buildNormalizerPair, buildPurge, buildResize, copySharp, Placeholder } from './build';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cdkDir = path.join(root, 'cdk');
const dist = path.join(cdkDir, 'dist');
const assets = path.join(dist, 'assets');

/** The package's assets folder, beside its code, in place of the repository's (infra/cdk/assets-dir.ts). */
function packagedAssetsDir(format: 'esm' | 'cjs'): Plugin {
  const contents = format === 'esm'
    ? "import { fileURLToPath } from 'node:url'; export const ASSETS_DIR = fileURLToPath(new URL('./assets', import.meta.url));"
    : "import path from 'node:path'; export const ASSETS_DIR = path.join(__dirname, 'assets');";
  return {
    name: 'packaged-assets-dir',
    setup(b) {
      b.onResolve({ filter: /(^|\/)assets-dir$/ }, () => ({ path: 'assets-dir', namespace: 'packaged-assets-dir' }));
      b.onLoad({ filter: /.*/, namespace: 'packaged-assets-dir' }, () => ({ contents, loader: 'js', resolveDir: root }));
      // The construct never reads the repository's config: a module that does must not be in the package.
      b.onResolve({ filter: /(^|\/)(baked-config|config-file)$/ }, (args) => ({ errors: [{ text: `${args.path} (imported by ${args.importer}) must not be in the construct package` }] }));
    },
  };
}

/** Each template must hold each placeholder it is filled with exactly once. */
function checkTemplate(dir: string, placeholders: readonly string[]): void {
  const code = readFileSync(path.join(assets, dir, 'index.js'), 'utf8');
  for (const placeholder of placeholders) {
    const count = code.split(placeholder).length - 1;
    if (count !== 1) throw new Error(`cdk/dist/assets/${dir}/index.js holds ${placeholder} ${count} times, not once`);
  }
}

export async function buildCdkPackage(): Promise<void> {
  rmSync(dist, { recursive: true, force: true });
  const config = new Placeholder(CONFIG_PLACEHOLDER);

  await buildResize(config, assets);
  copySharp(path.join(assets, 'resize', TEMPLATE_MODULES_DIR));
  checkTemplate('resize', [CONFIG_PLACEHOLDER]);
  await buildPurge(assets);
  for (const features of ALL_NORMALIZER_FEATURES) {
    const outputs = { normalize: normalizerTemplate('normalize', features), cff: normalizerTemplate('normalize-cff', features) };
    await buildNormalizerPair(features, config, features.signing ? new Placeholder(SIGNING_KEYS_PLACEHOLDER) : [], assets, outputs);
    checkTemplate(outputs.normalize, features.signing ? [CONFIG_PLACEHOLDER, SIGNING_KEYS_PLACEHOLDER] : [CONFIG_PLACEHOLDER]);
    checkTemplate(outputs.cff, [CONFIG_PLACEHOLDER]);
  }

  for (const format of ['esm', 'cjs'] as const) {
    await build({
      entryPoints: [path.join(root, 'infra/cdk/index.ts')],
      outfile: path.join(dist, format === 'esm' ? 'index.js' : 'index.cjs'),
      bundle: true, platform: 'node', format, target: 'node20', legalComments: 'none', logLevel: 'warning',
      // The app's own aws-cdk-lib and constructs, so its constructs and these are one library.
      external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
      plugins: [packagedAssetsDir(format)],
    });
  }
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(cdkDir, 'tsconfig.json')], { stdio: 'inherit' });
  addExtensions(path.join(dist, 'types'));
}
