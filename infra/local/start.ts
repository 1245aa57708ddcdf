// npm start: the product on one machine, no AWS account needed. Builds dist/ if it is stale
// (older than its sources, or baked from another config than the one in use),
// starts s3rver on loopback seeded from BUCKET_DIR (or uses S3_ENDPOINT), the local edge on
// PORT and the demo page on DEMO_PORT, and prints the URLs to try. Every startup problem is
// one line on stderr and exit code 1; SIGINT and SIGTERM close everything.
//
//   PORT            the edge's port (default 3000)
//   DEMO_PORT       the demo page's port (default PORT+1)
//   BUCKET_DIR      folder seeded into the embedded bucket (default examples/bucket)
//   S3_ENDPOINT     an S3-compatible server to use instead of the embedded one (with S3_BUCKET,
//                   and credentials from the standard AWS_* variables)
//   RESIZER_VIEWER  lambda-edge or cloudfront-function (default: the config's deploy.normalizer)
//   RESIZER_CONFIG  the config file (default resizer.config.json), read by shared/config-file.ts as for
//                   npm run build and the CDK app
//   SIGNING_KEYS_FILE  signing keys, one per line: baked into the Lambda@Edge build and served
//                   as the CloudFront Function's KeyValueStore (signing.enabled)
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from '../../scripts/build';
import { credentialsFromEnvironment, type S3Credentials } from '../../shared/s3-reader';
import { signingKeysFromEnv } from '../../scripts/signing-keys';
import type { Config } from '../../shared/config';
import { projectConfig } from '../../shared/config-file';
import { KEY_VALUE_STORE_KEY, signUrl } from '../../shared/signing';
import { staleReason } from './build-state';
import { startDemoServer, type DemoServer } from './demo/server';
import { createLocalEdge, type LocalEdge } from './edge';
import { isAddressInUse } from './listen';
import { quietSdkNodeWarning } from './node-warnings';
import { matchingBehavior } from './routing';
import type { ViewerRuntime } from './rules';
import { startEmbeddedS3, type EmbeddedS3 } from './s3-server';

const VIEWER_RUNTIMES: readonly ViewerRuntime[] = ['lambda-edge', 'cloudfront-function'];
const EMBEDDED_BUCKET = 'local-originals';

export interface StartSettings {
  readonly port: number;
  readonly demoPort: number;
  readonly bucketDir: string;
  /** Set: use this S3-compatible server; unset: the embedded s3rver. */
  readonly s3Endpoint?: string;
  readonly s3Bucket: string;
  /** For S3_ENDPOINT: from the standard AWS_* variables. */
  readonly s3Credentials?: S3Credentials;
  readonly region: string;
  readonly viewerRuntime?: ViewerRuntime;
}

function portFrom(name: string, value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new Error(`${name} must be a port number from 1 to 65535, got ${JSON.stringify(value)}`);
  return port;
}

/** Reads the environment; throws one-line errors. Pure apart from resolving paths against cwd. */
export function readSettings(env: Readonly<Record<string, string | undefined>>, cwd: string): StartSettings {
  const port = env.PORT ? portFrom('PORT', env.PORT) : 3000;
  const demoPort = env.DEMO_PORT ? portFrom('DEMO_PORT', env.DEMO_PORT) : port === 65535 ? 65534 : port + 1;
  const viewer = env.RESIZER_VIEWER;
  if (viewer && VIEWER_RUNTIMES.indexOf(viewer as ViewerRuntime) < 0) {
    throw new Error(`RESIZER_VIEWER must be one of ${VIEWER_RUNTIMES.join(', ')}, got ${JSON.stringify(viewer)}`);
  }
  if (env.S3_ENDPOINT && !env.S3_BUCKET) throw new Error('S3_ENDPOINT is set but S3_BUCKET is not: name the bucket to read originals from');
  const s3Credentials = credentialsFromEnvironment(env);
  if (env.S3_ENDPOINT && !s3Credentials) throw new Error('S3_ENDPOINT is set but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not: give the credentials of that server');
  return {
    port,
    demoPort,
    bucketDir: path.resolve(cwd, env.BUCKET_DIR || 'examples/bucket'),
    s3Endpoint: env.S3_ENDPOINT || undefined,
    s3Bucket: env.S3_BUCKET || EMBEDDED_BUCKET,
    s3Credentials,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    viewerRuntime: (viewer as ViewerRuntime) || undefined,
  };
}

function checkBucketDir(dir: string): void {
  if (!existsSync(dir)) throw new Error(`BUCKET_DIR ${dir} does not exist: point BUCKET_DIR at a folder of originals`);
  if (!statSync(dir).isDirectory()) throw new Error(`BUCKET_DIR ${dir} is not a folder`);
}

function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** A resized variant and a bare original from what the bucket holds, preferring the samples. */
export function exampleUrls(edgeUrl: string, keys: readonly string[], behaviors: readonly string[]): string[] {
  const images = keys.filter((key) => /\.(jpe?g|png|gif|webp|avif|tiff?)$/i.test(key));
  const resizable = images.filter((key) => matchingBehavior('/' + encodeKey(key), behaviors) !== null);
  const bare = images.filter((key) => matchingBehavior('/' + encodeKey(key), behaviors) === null);
  const urls: string[] = [];
  const variantKey = resizable.indexOf('dev/thumbnail.png') >= 0 ? 'dev/thumbnail.png' : resizable[0];
  if (variantKey) urls.push(`${edgeUrl}/${encodeKey(variantKey)}?w=200&h=150&f=webp&q=90`);
  const bareKey = bare.indexOf('thumbnail.png') >= 0 ? 'thumbnail.png' : bare[0] || resizable[0];
  if (bareKey) urls.push(`${edgeUrl}/${encodeKey(bareKey)}`);
  return urls;
}

async function main(): Promise<void> {
  const opened: Array<{ close(): Promise<void> }> = [];
  const closeAll = async () => {
    for (const resource of opened.reverse()) await resource.close().catch(() => undefined);
  };
  const fail = async (message: string) => {
    console.error(`npm start: ${message}`);
    await closeAll();
    process.exit(1);
  };

  let settings: StartSettings;
  let config: Config;
  let signingKeys: string[] | null;
  try {
    settings = readSettings(process.env, process.cwd());
    config = projectConfig().config;
    signingKeys = signingKeysFromEnv();
    if (!settings.s3Endpoint) checkBucketDir(settings.bucketDir);
  } catch (error) {
    return fail((error as Error).message);
  }

  const reason = staleReason(config, undefined, process.env.SIGNING_KEYS_FILE);
  if (reason) {
    console.log(`building dist/ (${reason})`);
    try {
      await buildAll({ config });
    } catch (error) {
      return fail(`build failed: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  let s3: EmbeddedS3 | undefined;
  let keys: string[] = [];
  if (!settings.s3Endpoint) {
    try {
      s3 = await startEmbeddedS3();
      opened.push({ close: () => s3!.stop() });
      keys = await s3.seed(settings.s3Bucket, settings.bucketDir, (line) => console.log(`BUCKET_DIR: ${line}`));
    } catch (error) {
      return fail(`the embedded S3 server failed: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  let edge: LocalEdge;
  let demo: DemoServer;
  try {
    edge = await createLocalEdge({
      config,
      port: settings.port,
      viewerRuntime: settings.viewerRuntime,
      keyValueStore: signingKeys ? { [KEY_VALUE_STORE_KEY]: signingKeys.join('\n') } : undefined,
      s3: s3 ? s3.originOptions(settings.s3Bucket) : { endpoint: settings.s3Endpoint, bucket: settings.s3Bucket, region: settings.region, credentials: settings.s3Credentials! },
    });
    opened.push(edge);
  } catch (error) {
    return fail(isAddressInUse(error) ? `port ${settings.port} is in use: stop what is using it or set PORT to a free port` : (error as Error).message.split('\n')[0]);
  }
  try {
    demo = await startDemoServer({ edgeUrl: edge.url, metrics: () => edge.metrics(), port: settings.demoPort });
    opened.push(demo);
  } catch (error) {
    return fail(isAddressInUse(error) ? `port ${settings.demoPort} (the demo page) is in use: set DEMO_PORT to a free port` : (error as Error).message.split('\n')[0]);
  }

  const viewer = settings.viewerRuntime || config.deploy.normalizer;
  console.log('');
  console.log(`local edge  ${edge.url}   behaviours ${config.behaviors.join(', ')} run the ${viewer} normalizer and the resizer`);
  console.log(s3
    ? `origin      s3rver ${s3.endpoint}, bucket ${settings.s3Bucket}: ${keys.length} objects from ${path.relative(process.cwd(), settings.bucketDir) || '.'}`
    : `origin      ${settings.s3Endpoint}, bucket ${settings.s3Bucket}`);
  console.log(`demo page   ${demo.url}   (uses the sample bucket's images)`);
  const examples = exampleUrls(edge.url, keys, config.behaviors).map((url) => (config.signing.enabled && signingKeys ? signUrl(url, signingKeys) : url));
  if (config.signing.enabled) console.log(`signing     on: ${signingKeys ? `${signingKeys.length} keys from SIGNING_KEYS_FILE; sign URLs with npm run sign -- <url>` : 'no SIGNING_KEYS_FILE, so every signed request is refused'}`);
  if (examples.length) {
    console.log('try');
    for (const url of examples) console.log(`  curl -sI '${url}'`);
  }
  console.log('one line per request follows; Ctrl+C stops\n');

  const shutdown = (signal: string) => {
    console.log(`\n${signal}: stopping`);
    closeAll().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  quietSdkNodeWarning();
  main().catch((error) => {
    console.error(`npm start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    process.exit(1);
  });
}
