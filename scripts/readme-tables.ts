// The URL API and config tables of docs/url-api.md and docs/config.md are rendered from
// shared/params.ts and shared/config.ts; `npm run readme` rewrites them and a test fails when
// they drift. (The name is from when they lived in the README.)
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configRows, DEFAULT_CONFIG } from '../shared/config';
import { PARAM_DOCS } from '../shared/param-docs';
import { CACHE_KEY_PARAMS, Kind, PARAMS, type ParamRow } from '../shared/params';
import { pipelineDoc } from '../functions/resize/operations';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const code = (text: string) => `\`${text}\``;

function values(row: ParamRow): string {
  switch (row.kind) {
    case Kind.Enum: {
      const aliases = Object.keys(row.aliases || {}).map((alias) => `${code(alias)} = ${code(row.aliases![alias])}`);
      return row.choices.map(code).join(', ') + (row.point ? ', or a point `x,y` (each 0 to 1, two decimals)' : '') + (aliases.length ? ` (alias ${aliases.join(', ')})` : '');
    }
    case Kind.Int: {
      if (row.step) return `integer multiple of ${row.step}, taken modulo ${row.modulo}`;
      const max = row.high === undefined ? `\`maxDimension\` (${DEFAULT_CONFIG.maxDimension})` : row.high;
      return `integer ${row.low} to ${max}`;
    }
    case Kind.Num: return `${row.zero ? '0 or ' : ''}number ${row.low} to ${row.high}${row.digits !== undefined ? `, ${row.digits} decimal${row.digits > 1 ? 's' : ''}` : ''}`;
    case Kind.Hex: return 'hex `rgb`, `rrggbb` or `rrggbbaa`';
    case Kind.Rect: return `\`x,y,w,h\` integers 0 to ${row.high}, \`w\` and \`h\` at least 1`;
    case Kind.Mark: return 'a name of config `watermarks`';
    case Kind.Preset: return 'a name of config `presets`';
  }
}

export function urlApiSection(): string {
  const rows = PARAMS.map((row: ParamRow & { param: keyof typeof PARAM_DOCS }) => {
    const name = row.param;
    const doc = PARAM_DOCS[name];
    const folds = row.canonical === false ? 'always' : doc.folds ? doc.folds : 'never';
    return `| ${code(name)} | ${values(row)} | ${doc.default} | ${folds} | ${doc.summary} |`;
  });
  return [
    '# URL API',
    '',
    'Parameters, in canonical order. The cache key holds exactly ' + CACHE_KEY_PARAMS.map(code).join(', ') + '.',
    'A parameter *folds* (leaves the canonical query, so it is not in the cache key) when it cannot change the output of any image.',
    'A value outside what is listed is 400 with one line naming the parameter, what is allowed and what was received; only `w`, `h`, `q` and `dpr` clamp instead.',
    '',
    '| param | values | default | folds (leaves the canonical query) | notes |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    '## Pipeline order',
    '',
    pipelineDoc(),
  ].join('\n');
}

export function configSection(): string {
  const rows = configRows().map((row) => `| \`${row.key}\` | \`${row.default}\` | ${row.doc} |`);
  return [
    '# Config',
    '',
    '`resizer.config.json` is the one config file. It is validated (an unknown key or a bad value',
    'fails with one line naming the key), baked into both functions at build time (Lambda@Edge',
    'has no environment variables), and read by the local edge and the CDK app. `RESIZER_CONFIG=path`',
    '(relative to the working directory) picks another file for all three at once: `npm run build`,',
    '`npm start` and `npm run synth` read it through one module (`shared/config-file.ts`), and',
    '`npm start` rebuilds whenever the config baked into `dist/` (`dist/baked-config.json`) differs',
    'from it. Missing keys take their defaults.',
    '',
    '| key | default | meaning |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}

export function replaceSection(page: string, name: string, content: string): string {
  const start = `<!-- section:${name} -->`;
  const end = `<!-- /section:${name} -->`;
  const from = page.indexOf(start);
  const to = page.indexOf(end);
  if (from < 0 || to < from) throw new Error(`the page has no ${start} … ${end} markers`);
  return page.slice(0, from + start.length) + '\n' + content + '\n' + page.slice(to);
}

/** Each rendered table: the docs page that holds it, its section marker and its renderer. */
export const RENDERED_SECTIONS = [
  { file: path.join(root, 'docs/url-api.md'), name: 'url-api', render: urlApiSection },
  { file: path.join(root, 'docs/config.md'), name: 'config', render: configSection },
] as const;

export function renderedPage(file: string, page: string): string {
  return RENDERED_SECTIONS.filter((section) => section.file === file)
    .reduce((text, section) => replaceSection(text, section.name, section.render()), page);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const file of new Set(RENDERED_SECTIONS.map((section) => section.file))) {
    writeFileSync(file, renderedPage(file, readFileSync(file, 'utf8')));
    console.log(`${path.relative(root, file)} tables rendered`);
  }
}
