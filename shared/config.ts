// The config schema: one definition that gives the defaults, validates resizer.config.json
// (naming the bad key), and documents every key in docs/config.md.
import { parsePresetQuery } from './canonical';
import { isResizerError, resizerError } from './errors';
import { deepFreeze } from './freeze';
import { FORMATS, OUTPUT_FORMATS, QUALITY_FORMATS, type OutputFormat, type QualityFormat } from './formats';
import { PARAM_NAMES, type ParamName } from './params';

type Field =
  | { kind: 'integer'; min: number; max: number; default: number; doc: string }
  | { kind: 'boolean'; default: boolean; doc: string }
  | { kind: 'string'; default: string; pattern?: RegExp; form?: string; doc: string }
  | { kind: 'optionalString'; default: string | null; pattern?: RegExp; form?: string; doc: string }
  | { kind: 'enum'; values: readonly string[]; default: string; doc: string }
  | { kind: 'list'; values?: readonly string[]; pattern?: RegExp; form?: string; default: readonly string[] | null; allowEmpty?: boolean; doc: string }
  | { kind: 'integerList' | 'numberList'; min: number; max: number; default: null; doc: string }
  | { kind: 'presets'; default: Readonly<Record<string, string>>; doc: string }
  | { kind: 'watermarks'; default: Readonly<Record<string, Watermark>>; doc: string }
  | { kind: 'object'; fields: Readonly<Record<string, Field>>; doc: string }
  | { kind: 'optionalObject'; fields: Readonly<Record<string, Field>>; doc: string };

/** Where a watermark sits: the positions of `pos` without the smart crops. */
export const WATERMARK_GRAVITIES = ['center', 'top', 'right', 'bottom', 'left', 'top-left', 'top-right', 'bottom-left', 'bottom-right'] as const;

/** A config `watermarks` entry: an overlay image in the originals bucket, and how it is drawn. */
export interface Watermark {
  /** S3 key in the originals bucket (origin path included), no leading slash. */
  readonly key: string;
  readonly gravity: (typeof WATERMARK_GRAVITIES)[number];
  /** The overlay's width as a fraction of the output's width (its aspect ratio kept). */
  readonly width: number;
  /** 0 (invisible) to 1 (as drawn). */
  readonly opacity: number;
  /** Distance from the edges it sits against, as a fraction of the output's width. */
  readonly margin: number;
}

const WATERMARK_DEFAULTS = { gravity: 'bottom-right', width: 0.2, opacity: 1, margin: 0.02 } as const;

/** A preset's name as it appears in `p=`: URL-safe without encoding. */
const PRESET_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** One key per format with a quality setting, its default from the format table. */
const QUALITY_FIELDS = Object.fromEntries(QUALITY_FORMATS.map((format) => [format, {
  kind: 'integer', min: 1, max: 100, default: (FORMATS[format] as { quality: number }).quality, doc: `Default quality for ${format}.`,
}])) as { readonly [F in QualityFormat]: Field };

const PRICE_CLASSES = ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'] as const;
const NORMALIZER_RUNTIMES = ['cloudfront-function', 'lambda-edge'] as const;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export const CONFIG_SCHEMA = {
  kind: 'object',
  doc: 'resizer.config.json',
  fields: {
    maxDimension: { kind: 'integer', min: 1, max: 16383, default: 4096, doc: 'Largest `w` or `h` (after `dpr`); larger values are clamped. 16383 is WebP\'s limit.' },
    maxInputPixels: { kind: 'integer', min: 1, max: 268402689, default: 50000000, doc: 'Sources with more pixels (all frames counted) get 422 instead of being decoded.' },
    maxInputBytes: { kind: 'integer', min: 1, max: 1073741824, default: 52428800, doc: 'Sources larger than this many bytes get 422 instead of being fetched.' },
    allowEnlargement: { kind: 'boolean', default: false, doc: 'When false, a source smaller than the requested size is never scaled up.' },
    formats: {
      kind: 'object',
      doc: 'Output formats.',
      fields: {
        outputs: { kind: 'list', values: OUTPUT_FORMATS, default: OUTPUT_FORMATS, doc: 'Formats `f` may name; others get 400.' },
        autoAvif: { kind: 'boolean', default: false, doc: 'Whether `f=auto` may pick avif (35% fewer bytes than webp and, tuned, 2.1-2.3 times webp\'s time per miss at 200x150 and 640 px; off by default because the encode budget caps an avif at about 1.2-1.9 megapixels, so a browser asking for 1920 px or more would get a smaller image than webp gives it; see Performance).' },
      },
    },
    quality: {
      kind: 'object',
      doc: 'Default `q` per output format.',
      fields: QUALITY_FIELDS,
    },
    widths: { kind: 'integerList', min: 1, max: 16383, default: null, doc: 'Allowed output widths, or null for any. When set, `w` (after `dpr`) snaps up to the next listed width, capped at the largest; a `h` given with it becomes the snapped width times the requested `h`/`w`, so the aspect ratio is kept and `h` depends on nothing else. Each at most `maxDimension`.' },
    qualities: { kind: 'integerList', min: 1, max: 100, default: null, doc: 'Allowed `q` values, or null for any. When set, `q` snaps to the nearest listed value (the higher one on a tie).' },
    densities: { kind: 'numberList', min: 1, max: 4, default: null, doc: 'Allowed `dpr` values (from 1 to 4), or null for any (with `presetsOnly`: 1, 2 and 3). When set, `dpr` snaps up to the next listed value, capped at the largest, before it multiplies `w` and `h`.' },
    allowedParams: { kind: 'list', values: PARAM_NAMES, default: null, doc: 'URL parameters a viewer may name (`["w", "f", "dpr"]`), or null for all; naming any other is 403, as `presetsOnly` refuses. Presets may still use any.' },
    presets: { kind: 'presets', default: {}, doc: 'Named transforms, name to query string (`{"card": "w=400&h=300&fit=cover"}`), used as `p=card`; each query must be valid, without `p`. Names are letters, digits, `_` and `-`.' },
    watermarks: { kind: 'watermarks', default: {}, doc: 'Named overlay images for `wm=<name>`: `{"logo": {"key": "dev/logo.png", "gravity": "bottom-right", "width": 0.2, "opacity": 0.8, "margin": 0.02}}`. `key` is the overlay\'s S3 key in the originals bucket (required); `gravity` one of ' + WATERMARK_GRAVITIES.join(', ') + ' (default `bottom-right`); `width` its width as a fraction of the output\'s, above 0 up to 1 (default 0.2); `opacity` above 0 up to 1 (default 1); `margin` from the edges as a fraction of the output\'s width, 0 to 0.5 (default 0.02). Names as for presets.' },
    presetsOnly: { kind: 'boolean', default: false, doc: 'When true, a URL may name only `p`, `dpr` and `f=auto`; any other transform parameter is 403. Needs at least one preset.' },
    cacheControl: { kind: 'string', default: 'public, max-age=31536000, immutable', doc: '`cache-control` of every resized variant.' },
    errorCacheControl: { kind: 'string', default: 'public, max-age=60', doc: '`cache-control` of the resizer\'s 422 answers and of `fallback` images, for browsers and shared caches (CloudFront itself never caches a 422).' },
    fallback: { kind: 'optionalString', default: null, pattern: /^[^/\s][^\s]*$/, form: 'an S3 key like "prod/fallback.png" (no leading slash)', doc: 'S3 key (in the originals bucket, origin path included) of an image served instead, resized with the request\'s own parameters, when the original is missing (404) or undecodable (422); the status stays and `errorCacheControl` applies. null for none.' },
    cors: {
      kind: 'object',
      doc: 'CORS, applied by the response-headers policy.',
      fields: {
        allowedOrigins: { kind: 'list', pattern: /^(\*|https?:\/\/[^/\s]+)$/, form: 'an origin like "https://www.example.com", or "*"', default: ['*'], doc: 'Origins allowed to read variants with fetch/XHR: `["*"]` or a list like `["https://www.example.com"]`.' },
      },
    },
    signing: {
      kind: 'object',
      doc: 'Signed URLs (see Signed URLs). The keys are never in this file: a CloudFront KeyValueStore holds them, or `SIGNING_KEYS_FILE` at build time for Lambda@Edge.',
      fields: {
        enabled: { kind: 'boolean', default: false, doc: 'When true, every transform URL of the resizing behaviours must carry a valid `sig` (403 otherwise), checked on viewer request, so cache hits too.' },
        originals: { kind: 'boolean', default: false, doc: 'With `enabled`, bare URLs (originals) of the resizing behaviours must be signed too.' },
      },
    },
    behaviors: { kind: 'list', pattern: /^[A-Za-z0-9_\-./]+\/\*$/, form: 'a path pattern like "prod/*"', default: ['dev/*', 'prod/*'], doc: 'Path patterns that resize; every other path serves originals untouched.' },
    deploy: {
      kind: 'object',
      doc: 'AWS deployment (the CDK app).',
      fields: {
        stackName: { kind: 'string', pattern: /^[A-Za-z][A-Za-z0-9-]{0,53}$/, form: 'a stack name of letters, digits and hyphens, at most 54 long', default: 'EdgeImageResizer', doc: 'CloudFormation stack name, also the prefix of the function names (`<stackName>-resize`); at most 54 characters so those stay within Lambda\'s 64.' },
        normalizer: { kind: 'enum', values: NORMALIZER_RUNTIMES, default: 'cloudfront-function', doc: 'Run the normalizer as a CloudFront Function or as a Lambda@Edge viewer-request function.' },
        resizeMemoryMb: { kind: 'integer', min: 128, max: 10240, default: 1536, doc: 'Memory of the resizer; CPU grows with it (one vCPU at 1769).' },
        resizeTimeoutSeconds: { kind: 'integer', min: 1, max: 30, default: 15, doc: 'Timeout of the resizer (origin-response functions allow 30 s).' },
        priceClass: { kind: 'enum', values: PRICE_CLASSES, default: 'PriceClass_100', doc: 'CloudFront price class.' },
        originShieldRegion: { kind: 'optionalString', pattern: /^[a-z]{2}(-[a-z]+)+-\d$/, form: 'an AWS region like "us-east-1"', default: null, doc: 'Origin Shield region (for example `us-east-1`), or null for none.' },
        errorCachingSeconds: { kind: 'integer', min: 0, max: 3600, default: 10, doc: 'How long CloudFront caches 4xx and 5xx answers.' },
        prodBehaviors: { kind: 'list', default: ['prod/*'], doc: 'Which of `behaviors` run the pinned `prodResizeVersion` and `prodNormalizeVersion` (each must be one of `behaviors`); the others always run the latest deploy.' },
        prodResizeVersion: { kind: 'optionalString', pattern: /^[0-9]+$/, form: 'a version number like "7"', default: null, doc: 'Version number of the resizer that `prodBehaviors` use (the `ResizeVersion` output of a tested deploy); null follows the latest, like `dev/*`.' },
        prodNormalizeVersion: { kind: 'optionalString', pattern: /^[0-9]+$/, form: 'a version number like "7"', default: null, doc: 'Version number of the Lambda@Edge normalizer that `prodBehaviors` use (`normalizer: "lambda-edge"` only; a CloudFront Function has no versions); null follows the latest.' },
        domain: {
          kind: 'optionalObject',
          doc: 'The team\'s domain: null serves only `*.cloudfront.net`; an object serves `names` with TLSv1.2_2021 as the minimum, with either `certificateArn` or `hostedZoneId`.',
          fields: {
            names: { kind: 'list', pattern: /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, form: 'a lower-case host name like "images.example.com"', default: [], doc: 'Host names the distribution serves (alternate domain names), for example `["images.example.com"]`.' },
            certificateArn: { kind: 'optionalString', pattern: /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]+$/, form: 'an ACM certificate ARN in us-east-1', default: null, doc: 'An ACM certificate in us-east-1 that covers every name; or null with `hostedZoneId`.' },
            hostedZoneId: { kind: 'optionalString', pattern: /^Z[A-Z0-9]{1,31}$/, form: 'a Route 53 hosted zone ID like "Z0123456789ABCDEFGHIJ"', default: null, doc: 'A Route 53 hosted zone holding the names: the stack creates the certificate (validated by DNS) and the alias records there.' },
          },
        },
        accessLogs: { kind: 'boolean', default: false, doc: 'CloudFront standard logs and S3 server access logs for the originals, to a log bucket the stack creates.' },
        accessLogsRetentionDays: { kind: 'integer', min: 1, max: 3650, default: 90, doc: 'Days the log bucket keeps access logs (`accessLogs: true`) before expiring them.' },
        waf: {
          kind: 'optionalObject',
          doc: 'null for none, or an AWS WAF web ACL on the distribution: a rate limit per client IP plus the AWS managed common rule set (about $7 a month plus $0.60 per million requests).',
          fields: {
            rateLimit: { kind: 'integer', min: 100, max: 2000000000, default: 2000, doc: 'Requests per 5 minutes one client IP may make before WAF blocks it.' },
          },
        },
        metricsRegions: { kind: 'list', pattern: AWS_REGION, form: 'an AWS region like "eu-west-1"', default: [], allowEmpty: true, doc: 'Regions the resizer\'s metrics are summed over and alarmed in (Lambda@Edge runs and logs in the region of the edge cache it serves); empty takes the regions of `priceClass`.' },
        alarmEmail: { kind: 'optionalString', pattern: /^[^@\s]+@[^@\s]+\.[^@\s]+$/, form: 'an email address', default: null, doc: 'Email address the alarms notify through an SNS topic (one per region with alarms; confirm each subscription); null for alarms without notifications.' },
      },
    },
  },
} as const satisfies Field;

export type OutputFormatList = readonly OutputFormat[];

export interface Config {
  readonly maxDimension: number;
  readonly maxInputPixels: number;
  readonly maxInputBytes: number;
  readonly allowEnlargement: boolean;
  readonly formats: { readonly outputs: OutputFormatList; readonly autoAvif: boolean };
  readonly quality: { readonly [F in QualityFormat]: number };
  readonly widths: readonly number[] | null;
  readonly qualities: readonly number[] | null;
  readonly densities: readonly number[] | null;
  readonly allowedParams: readonly ParamName[] | null;
  readonly presets: Readonly<Record<string, string>>;
  readonly watermarks: Readonly<Record<string, Watermark>>;
  readonly presetsOnly: boolean;
  readonly cacheControl: string;
  readonly errorCacheControl: string;
  readonly fallback: string | null;
  readonly cors: { readonly allowedOrigins: readonly string[] };
  readonly signing: { readonly enabled: boolean; readonly originals: boolean };
  readonly behaviors: readonly string[];
  readonly deploy: {
    readonly stackName: string;
    readonly normalizer: (typeof NORMALIZER_RUNTIMES)[number];
    readonly resizeMemoryMb: number;
    readonly resizeTimeoutSeconds: number;
    readonly priceClass: (typeof PRICE_CLASSES)[number];
    readonly originShieldRegion: string | null;
    readonly errorCachingSeconds: number;
    readonly prodBehaviors: readonly string[];
    readonly prodResizeVersion: string | null;
    readonly prodNormalizeVersion: string | null;
    readonly domain: { readonly names: readonly string[]; readonly certificateArn: string | null; readonly hostedZoneId: string | null } | null;
    readonly accessLogs: boolean;
    readonly accessLogsRetentionDays: number;
    readonly waf: { readonly rateLimit: number } | null;
    readonly metricsRegions: readonly string[];
    readonly alarmEmail: string | null;
  };
}

/** The keys the normalizer reads: all that the build bakes into its bundles. */
export const NORMALIZER_KEYS = ['maxDimension', 'formats', 'quality', 'widths', 'qualities', 'densities', 'allowedParams', 'presets', 'watermarks', 'presetsOnly', 'signing', 'behaviors'] as const;
export type NormalizerConfig = Pick<Config, (typeof NORMALIZER_KEYS)[number]>;

export function normalizerConfig(config: Config): NormalizerConfig {
  const out: Partial<Record<keyof Config, unknown>> = {};
  for (const key of NORMALIZER_KEYS) out[key] = config[key];
  return deepFreeze(out as NormalizerConfig);
}

function fail(path: string, allowed: string, received: unknown): never {
  const subject = path ? `config key ${path}` : 'the config';
  throw resizerError(500, 'bad_config', `${subject} must be ${allowed}, got ${JSON.stringify(received)}`);
}

function validate(field: Field, value: unknown, path: string): unknown {
  if (value === undefined) {
    if (field.kind === 'object') return validate(field, {}, path);
    if (field.kind === 'optionalObject') return null;
    return Array.isArray(field.default) ? [...field.default] : field.default;
  }
  switch (field.kind) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < field.min || value > field.max) {
        fail(path, `an integer from ${field.min} to ${field.max}`, value);
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') fail(path, 'true or false', value);
      return value;
    case 'string':
    case 'optionalString':
      if (value === null && field.kind === 'optionalString') return null;
      if (typeof value !== 'string' || value === '' || (field.pattern && !field.pattern.test(value))) {
        const form = field.form || 'a non-empty string';
        fail(path, field.kind === 'optionalString' ? `null or ${form}` : form, value);
      }
      return value;
    case 'enum':
      if (typeof value !== 'string' || field.values.indexOf(value) < 0) fail(path, `one of ${field.values.join(', ')}`, value);
      return value;
    case 'list': {
      const item = field.values ? `one of ${field.values.join(', ')}` : field.form || 'a non-empty string';
      if (value === null && field.default === null) return null;
      if (!Array.isArray(value) || (value.length === 0 && !field.allowEmpty)) fail(path, `${field.default === null ? 'null or ' : ''}a non-empty list, each ${item}`, value);
      (value as unknown[]).forEach((entry, index) => {
        const ok = typeof entry === 'string' && entry !== '' && (field.values ? field.values.indexOf(entry) >= 0 : !field.pattern || field.pattern.test(entry));
        if (!ok) fail(`${path}[${index}]`, item, entry);
      });
      return Array.from(new Set(value as string[]));
    }
    case 'optionalObject':
      if (value === null) return null;
      return validate({ ...field, kind: 'object' }, value, path);
    case 'integerList':
    case 'numberList': {
      const integers = field.kind === 'integerList';
      const item = `${integers ? 'an integer' : 'a number'} from ${field.min} to ${field.max}`;
      if (value === null) return null;
      if (!Array.isArray(value) || value.length === 0) fail(path, `null or a non-empty list, each ${item}`, value);
      (value as unknown[]).forEach((entry, index) => {
        if (typeof entry !== 'number' || !(integers ? Number.isInteger(entry) : Number.isFinite(entry)) || entry < field.min || entry > field.max) fail(`${path}[${index}]`, item, entry);
      });
      // Sorted and without repeats: snapping reads the list in order.
      return Array.from(new Set(value as number[])).sort((a, b) => a - b);
    }
    case 'presets': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'an object of preset name to query string', value);
      const out: Record<string, string> = {};
      for (const [name, query] of Object.entries(value)) {
        if (!PRESET_NAME.test(name)) fail(`${path}.${name}`, 'named with 1 to 64 letters, digits, _ or -', name);
        if (typeof query !== 'string') fail(`${path}.${name}`, 'a query string like "w=400&h=300&fit=cover"', query);
        out[name] = query;
      }
      return out;
    }
    case 'watermarks': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'an object of watermark name to {key, gravity, width, opacity, margin}', value);
      const out: Record<string, Watermark> = {};
      for (const [name, entry] of Object.entries(value)) out[name] = watermark(`${path}.${name}`, name, entry);
      return out;
    }
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'an object', value);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        if (!(key in field.fields)) {
          fail(path ? `${path}.${key}` : key, `one of the known keys (${Object.keys(field.fields).join(', ')})`, key);
        }
      }
      for (const [key, child] of Object.entries(field.fields)) {
        out[key] = validate(child, (value as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
      }
      return out;
    }
  }
}

function fraction(path: string, value: unknown, min: number, max: number, minIncluded: boolean): number {
  if (typeof value !== 'number' || !(minIncluded ? value >= min : value > min) || value > max) {
    fail(path, `a number ${minIncluded ? 'from' : 'above'} ${min} ${minIncluded ? 'to' : 'up to'} ${max}`, value);
  }
  return value;
}

/** One `watermarks` entry, checked when the config is parsed so that a typo fails the build, not a request. */
function watermark(path: string, name: string, entry: unknown): Watermark {
  if (!PRESET_NAME.test(name)) fail(path, 'named with 1 to 64 letters, digits, _ or -', name);
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(path, 'an object {key, gravity, width, opacity, margin}', entry);
  const e = { ...WATERMARK_DEFAULTS, ...(entry as Record<string, unknown>) } as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    if (key !== 'key' && !(key in WATERMARK_DEFAULTS)) fail(`${path}.${key}`, 'one of the known keys (key, gravity, width, opacity, margin)', key);
  }
  if (typeof e.key !== 'string' || !/^[^/\s][^\s]*$/.test(e.key)) fail(`${path}.key`, 'an S3 key like "dev/logo.png" (no leading slash)', e.key);
  if (WATERMARK_GRAVITIES.indexOf(e.gravity as Watermark['gravity']) < 0) fail(`${path}.gravity`, `one of ${WATERMARK_GRAVITIES.join(', ')}`, e.gravity);
  return {
    key: e.key as string,
    gravity: e.gravity as Watermark['gravity'],
    width: fraction(`${path}.width`, e.width, 0, 1, false),
    opacity: fraction(`${path}.opacity`, e.opacity, 0, 1, false),
    margin: fraction(`${path}.margin`, e.margin, 0, 0.5, true),
  };
}

/** Validates a parsed config file; missing keys take their defaults; the result is frozen. */
export function parseConfig(raw: unknown): Config {
  const config = validate(CONFIG_SCHEMA, raw, '') as Config;
  if (config.cors.allowedOrigins.length > 1 && config.cors.allowedOrigins.indexOf('*') >= 0) {
    fail('cors.allowedOrigins', 'either ["*"] or a list of origins, not both', config.cors.allowedOrigins);
  }
  if (config.widths && config.widths[config.widths.length - 1] > config.maxDimension) {
    fail(`widths[${config.widths.length - 1}]`, `at most maxDimension (${config.maxDimension})`, config.widths[config.widths.length - 1]);
  }
  if (config.presetsOnly && Object.keys(config.presets).length === 0) fail('presetsOnly', 'false when presets is empty', true);
  // presetsOnly without densities: dpr snaps to 1, 2 and 3 (the normalizer reads only densities).
  if (config.presetsOnly && !config.densities) (config as { densities: readonly number[] | null }).densities = [1, 2, 3];
  // Each preset is parsed now, against this config, so a typo fails the build and not a request.
  for (const name of Object.keys(config.presets)) {
    try {
      parsePresetQuery(config.presets[name], config);
    } catch (error) {
      if (!isResizerError(error)) throw error;
      fail(`presets.${name}`, `a valid query of transform parameters without p (${error.message})`, config.presets[name]);
    }
  }
  return deepFreeze(config);
}

export const DEFAULT_CONFIG: Config = parseConfig({});

/** Flattens the schema into rows (key, default, meaning) for docs/config.md. */
export function configRows(): Array<{ key: string; default: string; doc: string }> {
  const rows: Array<{ key: string; default: string; doc: string }> = [];
  const walk = (field: Field, path: string) => {
    if (field.kind === 'optionalObject') rows.push({ key: path, default: 'null', doc: field.doc });
    if (field.kind === 'object' || field.kind === 'optionalObject') {
      for (const [key, child] of Object.entries(field.fields)) walk(child, path ? `${path}.${key}` : key);
      return;
    }
    rows.push({ key: path, default: JSON.stringify(field.default), doc: field.doc });
  };
  walk(CONFIG_SCHEMA, '');
  return rows;
}
