// `npm start` builds when dist/ is missing, older than the code it is built from, or was built
// from another config than the one in use: the config is compared by content (the build writes
// what it baked to dist/baked-config.json), never by file times, so an older RESIZER_CONFIG file
// or a plain start after a run with another config still gets a build.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../shared/config';
import { BAKED_CONFIG_NAME, bakedConfigText } from '../../shared/config-file';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const BUNDLES = ['dist/normalize/index.js', 'dist/normalize-cff/index.js', 'dist/resize/index.js'];
export const BAKED_CONFIG = `dist/${BAKED_CONFIG_NAME}`;
const SOURCES = ['functions', 'shared', 'scripts/build.ts', 'package-lock.json'];

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, name)));
  return newest;
}

/**
 * Why dist/ must be rebuilt to serve `config`, or null when it is current. A SIGNING_KEYS_FILE
 * (baked into the Lambda@Edge normalizer) counts as a source by its file time.
 */
export function staleReason(config: Config, base = root, keysFile?: string): string | null {
  let oldestBundle = Infinity;
  for (const bundle of BUNDLES) {
    const file = path.join(base, bundle);
    if (!existsSync(file)) return `${bundle} is missing`;
    oldestBundle = Math.min(oldestBundle, statSync(file).mtimeMs);
  }
  const baked = path.join(base, BAKED_CONFIG);
  if (!existsSync(baked)) return `${BAKED_CONFIG} is missing`;
  if (readFileSync(baked, 'utf8') !== bakedConfigText(config)) return 'the config in use differs from the one baked into dist/';
  const sources = SOURCES.map((name) => path.join(base, name));
  if (keysFile) sources.push(path.resolve(keysFile));
  for (const source of sources) {
    if (newestMtime(source) > oldestBundle) return `${path.relative(base, source)} changed since the last build`;
  }
  return null;
}
