// The edge bundles a synth deploys. The construct package carries them prebuilt as templates
// (scripts/build-cdk.ts), each holding a placeholder where `npm run build` writes the baked
// config, so a team's app needs no esbuild and no sharp build of its own: at synth the
// construct writes the team's validated config (and, for the Lambda@Edge normalizer with
// signing, its keys) in place of the placeholder, into a folder named by the result's hash.
// The normalizers come in one template per feature combination, so the code of a feature the
// config leaves off is not in the deployed bundle, as in `npm run build`.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normalizerConfig, type Config, type NormalizerConfig } from '../../shared/config';
import { CLOUDFRONT_FUNCTION_MAX_BYTES, LAMBDA_EDGE_VIEWER_PACKAGE_MAX_BYTES } from '../../shared/limits';

/** What the templates hold in place of the baked values: free identifiers, which minifiers never rename. */
export const CONFIG_PLACEHOLDER = '__EDGE_IMAGE_RESIZER_BAKED_CONFIG__';
export const SIGNING_KEYS_PLACEHOLDER = '__EDGE_IMAGE_RESIZER_SIGNING_KEYS__';

/** sharp's packages in a template: npm pack leaves out every folder named node_modules, so the template names it otherwise. */
export const TEMPLATE_MODULES_DIR = 'modules';

export interface NormalizerFeatures {
  readonly signing: boolean;
  readonly allowlists: boolean;
}

export const ALL_NORMALIZER_FEATURES: readonly NormalizerFeatures[] = [false, true].flatMap((signing) => [false, true].map((allowlists) => ({ signing, allowlists })));

export function normalizerFeatures(config: Config): NormalizerFeatures {
  return {
    signing: config.signing.enabled,
    // Watermark names are config-bounded names like presets: the wm row's lookup rides with them.
    allowlists: config.widths !== null || config.qualities !== null || config.densities !== null || config.allowedParams !== null || Object.keys(config.presets).length > 0 || Object.keys(config.watermarks).length > 0,
  };
}

const ALLOWLIST_KEYS = ['widths', 'qualities', 'densities', 'allowedParams', 'presets', 'presetsOnly', 'watermarks'] as const;

/** The config a normalizer bundle carries: the keys it reads, less those only dropped code reads. */
export function normalizerBakedConfig(config: Config): NormalizerConfig {
  const out: Partial<Record<keyof NormalizerConfig, unknown>> = { ...normalizerConfig(config) };
  const features = normalizerFeatures(config);
  if (!features.allowlists) for (const key of ALLOWLIST_KEYS) delete out[key];
  // Read only inside `if (NORMALIZER_FEATURES.signing && ...)`, which the build drops when off.
  if (!features.signing) delete out.signing;
  // The normalizer reads a watermark's name only: its overlay (key, gravity, sizes) is the resizer's business.
  if (out.watermarks) out.watermarks = Object.fromEntries(Object.keys(config.watermarks).map((name) => [name, 1]));
  return out as NormalizerConfig;
}

export type NormalizerKind = 'normalize' | 'normalize-cff';

/** The template folder of one normalizer build for one feature combination. */
export function normalizerTemplate(kind: NormalizerKind, features: NormalizerFeatures): string {
  return `${kind}${features.signing ? '-signing' : ''}${features.allowlists ? '-allowlists' : ''}`;
}

/** The property names a normalizer build shortened, original to short, beside its template. */
export const MANGLE_CACHE_FILE = 'mangle.json';
type MangleCache = Readonly<Record<string, string | false>>;

/** Keys whose children are data (preset, watermark and format names that requests are looked up by): never renamed. */
const DATA_KEYS = ['presets', 'watermarks', 'quality'];

/**
 * A value as minified JavaScript source, as the build writes a baked object (scripts/build.ts
 * bakedLiteral): the config's own keys under the names the code reads them by (`mangle`), data
 * keys quoted, booleans as !0 and !1 (the CloudFront Functions script has bytes to spare only
 * barely), strings as JSON with the two line terminators JSON allows but older engines do not.
 */
export function jsLiteral(value: unknown, mangle: MangleCache = {}, dataKeys = false): string {
  if (value === true) return '!0';
  if (value === false) return '!1';
  if (Array.isArray(value)) return `[${value.map((item) => jsLiteral(item, mangle)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).map(([key, child]) => {
      const short = !dataKeys && Object.prototype.hasOwnProperty.call(mangle, key) ? mangle[key] : false;
      const name = short || key;
      const written = !dataKeys && /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
      return `${written}:${jsLiteral(child, mangle, !dataKeys && DATA_KEYS.indexOf(key) >= 0)}`;
    });
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The template's code with each placeholder replaced; each must occur exactly once. */
export function fillTemplate(code: string, values: Readonly<Record<string, unknown>>, mangle: MangleCache = {}): string {
  let out = code;
  for (const [placeholder, value] of Object.entries(values)) {
    const parts = out.split(placeholder);
    if (parts.length !== 2) throw new Error(`bundle template holds ${placeholder} ${parts.length - 1} times, not once: rebuild the package`);
    // Parenthesized: an object literal where a statement could start must not read as a block.
    out = parts.join(`(${jsLiteral(value, mangle)})`);
  }
  return out;
}

/** A template's index.js filled with `values`, its property names renamed as its build renamed them. */
export function fillTemplateDir(dir: string, values: Readonly<Record<string, unknown>>): string {
  const cacheFile = path.join(dir, MANGLE_CACHE_FILE);
  const mangle = existsSync(cacheFile) ? JSON.parse(readFileSync(cacheFile, 'utf8')) as MangleCache : {};
  return fillTemplate(readFileSync(path.join(dir, 'index.js'), 'utf8'), values, mangle);
}

export interface StagedBundles {
  /** Folders holding index.js, for lambda.Code.fromAsset. */
  readonly resize: string;
  readonly normalize: string;
  readonly purge: string;
  /** The CloudFront Functions script itself. */
  readonly normalizeCff: string;
}

function templateDir(assetsDir: string, name: string): string {
  const dir = path.join(assetsDir, name);
  if (!existsSync(path.join(dir, 'index.js'))) throw new Error(`${dir}/index.js is missing: run npm run build (in the repository) or reinstall @edge-image-resizer/cdk`);
  return dir;
}

/** A copy of a template folder with index.js replaced by `code`, in a folder named by their hash, made once. */
function stage(cacheDir: string, template: string, code: string): string {
  // The template's own packages (sharp) count too: a new sharp under the same code is a new folder.
  const sharpManifest = path.join(template, TEMPLATE_MODULES_DIR, 'sharp/package.json');
  const hash = createHash('sha256').update(template).update('\0').update(code).update('\0')
    .update(existsSync(sharpManifest) ? readFileSync(sharpManifest) : '').digest('hex').slice(0, 20);
  const dir = path.join(cacheDir, `${path.basename(template)}-${hash}`);
  if (existsSync(path.join(dir, 'index.js'))) return dir;
  const partial = `${dir}.${process.pid}.partial`;
  rmSync(partial, { recursive: true, force: true });
  cpSync(template, partial, { recursive: true, dereference: true });
  const modules = path.join(partial, TEMPLATE_MODULES_DIR);
  if (existsSync(modules)) renameSync(modules, path.join(partial, 'node_modules'));
  rmSync(path.join(partial, MANGLE_CACHE_FILE), { force: true });
  writeFileSync(path.join(partial, 'index.js'), code);
  // index.js is the marker of a complete folder: written last, and the folder appears whole.
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}

/** Where filled bundles are kept between synths (the system's temporary folder). */
export const DEFAULT_STAGING_DIR = path.join(os.tmpdir(), 'edge-image-resizer-bundles');

/**
 * The four bundles for this config, filled from the templates in `assetsDir`. The CloudFront
 * Functions script is held to its 10 KB only when config deploys it, as in `npm run build`.
 */
export function stageBundles(assetsDir: string, config: Config, signingKeys: readonly string[], stagingDir = DEFAULT_STAGING_DIR): StagedBundles {
  mkdirSync(stagingDir, { recursive: true });
  const features = normalizerFeatures(config);
  const read = (dir: string) => readFileSync(path.join(dir, 'index.js'), 'utf8');

  const resizeTemplate = templateDir(assetsDir, 'resize');
  const resize = stage(stagingDir, resizeTemplate, fillTemplateDir(resizeTemplate, { [CONFIG_PLACEHOLDER]: config }));

  const baked = normalizerBakedConfig(config);
  const normalizeTemplate = templateDir(assetsDir, normalizerTemplate('normalize', features));
  const normalizeValues: Record<string, unknown> = { [CONFIG_PLACEHOLDER]: baked };
  if (features.signing) normalizeValues[SIGNING_KEYS_PLACEHOLDER] = signingKeys;
  const normalize = stage(stagingDir, normalizeTemplate, fillTemplateDir(normalizeTemplate, normalizeValues));
  const normalizeBytes = Buffer.byteLength(read(normalize));
  if (config.deploy.normalizer === 'lambda-edge' && normalizeBytes > LAMBDA_EDGE_VIEWER_PACKAGE_MAX_BYTES) {
    throw new Error(`the Lambda@Edge normalizer is ${normalizeBytes} bytes with this config, over its ${LAMBDA_EDGE_VIEWER_PACKAGE_MAX_BYTES}-byte limit`);
  }

  const cffTemplate = templateDir(assetsDir, normalizerTemplate('normalize-cff', features));
  const cffDir = stage(stagingDir, cffTemplate, fillTemplateDir(cffTemplate, { [CONFIG_PLACEHOLDER]: baked }));
  const cffBytes = Buffer.byteLength(read(cffDir));
  if (config.deploy.normalizer === 'cloudfront-function' && cffBytes > CLOUDFRONT_FUNCTION_MAX_BYTES) {
    throw new Error(`the CloudFront Functions normalizer is ${cffBytes} bytes with this config, over CloudFront's ${CLOUDFRONT_FUNCTION_MAX_BYTES}-byte limit: set deploy.normalizer to "lambda-edge" or shorten presets`);
  }

  return { resize, normalize, purge: templateDir(assetsDir, 'purge'), normalizeCff: path.join(cffDir, 'index.js') };
}
