// `npm start` builds only when dist/ is missing or older than what it is built from.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const BUNDLES = ['dist/normalize/index.js', 'dist/normalize-cff/index.js', 'dist/resize/index.js'];
const SOURCES = ['functions', 'shared', 'scripts/build.ts', 'resizer.config.json', 'package-lock.json'];

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, name)));
  return newest;
}

/** Why dist/ must be rebuilt, or null when it is current. A RESIZER_CONFIG or SIGNING_KEYS_FILE file counts as a source. */
export function staleReason(base = root, configFile = process.env.RESIZER_CONFIG, keysFile = process.env.SIGNING_KEYS_FILE): string | null {
  let oldestBundle = Infinity;
  for (const bundle of BUNDLES) {
    const file = path.join(base, bundle);
    if (!existsSync(file)) return `${bundle} is missing`;
    oldestBundle = Math.min(oldestBundle, statSync(file).mtimeMs);
  }
  const sources = SOURCES.map((source) => path.join(base, source));
  if (configFile) sources.push(path.resolve(configFile));
  if (keysFile) sources.push(path.resolve(keysFile));
  for (const source of sources) {
    if (newestMtime(source) > oldestBundle) return `${path.relative(base, source)} changed since the last build`;
  }
  return null;
}
