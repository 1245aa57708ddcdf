// The README's URL API and config tables are rendered from shared/params.ts and
// shared/config.ts; `npm run readme` rewrites them and a test fails when they drift.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configRows, DEFAULT_CONFIG } from '../shared/config';
import { CACHE_KEY_PARAMS, PARAMS, type ParamSpec } from '../shared/params';

export const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../README.md');

function values(spec: ParamSpec): string {
  if (spec.kind === 'enum') {
    const aliases = Object.keys(spec.aliases).map((alias) => `\`${alias}\` = \`${spec.aliases[alias]}\``);
    return spec.values.map((v) => `\`${v}\``).join(', ') + (aliases.length ? ` (alias ${aliases.join(', ')})` : '');
  }
  const max = spec.max === 'maxDimension' ? `\`maxDimension\` (${DEFAULT_CONFIG.maxDimension})` : spec.max;
  return `${spec.kind === 'integer' ? 'integer' : 'number'} ${spec.min} to ${max}`;
}

function fallback(spec: ParamSpec): string {
  if (spec.kind === 'enum') return `\`${spec.fallback}\``;
  if (spec.name === 'q') return 'per format (`quality`)';
  if (spec.name === 'dpr') return '1';
  return 'source size';
}

export function urlApiSection(): string {
  const rows = PARAMS.map((spec) => `| \`${spec.name}\` | ${values(spec)} | ${fallback(spec)} | ${spec.summary} |`);
  return [
    '## URL API',
    '',
    'Parameters, in canonical order. The cache key holds exactly ' + CACHE_KEY_PARAMS.map((n) => `\`${n}\``).join(', ') + '.',
    '',
    '| param | values | default | notes |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function configSection(): string {
  const rows = configRows().map((row) => `| \`${row.key}\` | \`${row.default}\` | ${row.doc} |`);
  return [
    '## Config',
    '',
    '`resizer.config.json` is the one config file. It is validated (an unknown key or a bad value',
    'fails with one line naming the key), baked into both functions at build time (Lambda@Edge',
    'has no environment variables), and read by the local edge and the CDK app. `RESIZER_CONFIG=path`',
    'builds with another file. Missing keys take their defaults.',
    '',
    '| key | default | meaning |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}

export function replaceSection(readme: string, name: string, content: string): string {
  const start = `<!-- section:${name} -->`;
  const end = `<!-- /section:${name} -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} markers`);
  return readme.slice(0, from + start.length) + '\n' + content + '\n' + readme.slice(to);
}

export function renderedReadme(readme: string): string {
  return replaceSection(replaceSection(readme, 'url-api', urlApiSection()), 'config', configSection());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  writeFileSync(README, renderedReadme(readFileSync(README, 'utf8')));
  console.log('README.md tables rendered');
}
