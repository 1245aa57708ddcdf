// The client package (client/): its ESM bundles and type declarations under client/dist,
// bundled from client/src and shared/ with the same baked config as the normalizers, so its
// URLs are the normalizer's own canonical form. Every dependency (thumbhash) is bundled in:
// the package has none at run time.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { normalizerConfig, type Config } from '../shared/config';
import { bakeConfig } from './build';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const clientDir = path.join(root, 'client');
const entryPoints = { index: path.join(clientDir, 'src/index.ts'), next: path.join(clientDir, 'src/next.ts'), config: path.join(clientDir, 'src/config.ts') };

/** Browsers and edge runtimes of the last few years; no Node APIs (platform neutral). */
const bundle = (config: Config) => ({
  bundle: true, format: 'esm' as const, platform: 'neutral' as const, mainFields: ['module', 'main'], target: 'es2020', legalComments: 'none' as const,
  logLevel: 'warning' as const, plugins: [bakeConfig(normalizerConfig(config))],
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? walk(file) : [file];
  });
}

/** Relative imports in the declarations get their `.js`, as Node's ESM resolution (and `nodenext`) needs. */
export function addExtensions(typesDir: string): void {
  for (const file of walk(typesDir)) {
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/(from\s+|import\()(['"])(\.\.?\/[^'"]+?)(\.js)?\2/g, '$1$2$3.js$2'));
  }
}

export async function buildClient(config: Config): Promise<void> {
  const dist = path.join(clientDir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  await build({ ...bundle(config), entryPoints, outdir: dist, splitting: true, chunkNames: 'shared-[hash]' });
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(clientDir, 'tsconfig.json')], { stdio: 'inherit' });
  addExtensions(path.join(dist, 'types'));
}

/** What a site's bundler adds, minified and gzipped: for the whole package, and for the usual imports (no edgeConfig, no signing). */
export async function clientSize(config: Config): Promise<Record<'whole' | 'usual', { minified: number; gzipped: number }>> {
  const measure = async (contents: string) => {
    const result = await build({ ...bundle(config), stdin: { contents, resolveDir: clientDir, loader: 'ts' }, write: false, minify: true });
    const code = result.outputFiles[0].contents;
    return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
  };
  return {
    whole: await measure("export * from './src/index.ts'; export { default as nextLoader, createLoader } from './src/next.ts'; export * from './src/config.ts';"),
    usual: await measure("export { imageUrl, srcset, sizes, placeholder } from './src/index.ts'; export { default } from './src/next.ts';"),
  };
}
