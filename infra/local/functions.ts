// Running edge functions the way CloudFront does: the built bundles from dist/, a JSON copy of
// the event in and a JSON copy of the result out (what is not JSON never reaches CloudFront),
// a time limit, and every way of failing reported rather than thrown.
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { CLOUDFRONT_FUNCTION_MAX_BYTES } from '../../shared/limits';

/** A Lambda@Edge handler: async, or callback style. */
export type LambdaHandler = (event: unknown, context: LambdaContext, callback: (error?: unknown, result?: unknown) => void) => unknown;
/** A CloudFront Functions handler: takes the event, returns the request or a response. */
export type CloudFrontFunctionHandler = (event: unknown) => unknown;

export interface LambdaContext {
  readonly functionName: string;
  readonly awsRequestId: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

export type Invocation = { outcome: 'result'; result: unknown } | { outcome: 'error'; error: unknown } | { outcome: 'timeout' };

const TIMED_OUT = Symbol('timed out');

/** CloudFront hands functions JSON and reads JSON back. */
function jsonCopy(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

export async function invokeLambda(handler: LambdaHandler, functionName: string, event: unknown, timeoutMs: number): Promise<Invocation> {
  const deadline = Date.now() + timeoutMs;
  const context: LambdaContext = {
    functionName,
    awsRequestId: Math.random().toString(36).slice(2),
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let timer: NodeJS.Timeout | undefined;
  const run = new Promise<Invocation>((resolve) => {
    const callback = (error?: unknown, result?: unknown) => resolve(error ? { outcome: 'error', error } : { outcome: 'result', result });
    try {
      const returned = handler(jsonCopy(event), context, callback);
      if (returned && typeof (returned as Promise<unknown>).then === 'function') {
        (returned as Promise<unknown>).then((result) => resolve({ outcome: 'result', result }), (error) => resolve({ outcome: 'error', error }));
      }
    } catch (error) {
      resolve({ outcome: 'error', error });
    }
  });
  const limit = new Promise<Invocation>((resolve) => { timer = setTimeout(() => resolve({ outcome: 'timeout' }), timeoutMs); });
  const invocation = await Promise.race([run, limit]);
  clearTimeout(timer);
  if (invocation.outcome !== 'result') return invocation;
  try {
    return { outcome: 'result', result: jsonCopy(invocation.result) };
  } catch (error) {
    return { outcome: 'error', error: new Error(`the result is not JSON: ${(error as Error).message}`) };
  }
}

/**
 * A CommonJS bundle's exports, from a fresh copy of the bundle itself, so two edges in one
 * process never share module state. Its node_modules (sharp) stay shared. Nothing is passed
 * through the environment: a bundle that needs settings exports a factory taking them.
 */
export function loadBundleExports(file: string): Record<string, unknown> {
  const resolved = path.resolve(file);
  const load = createRequire(resolved);
  try {
    delete load.cache[resolved];
    return load(resolved) as Record<string, unknown>;
  } finally {
    delete load.cache[resolved];
  }
}

export function loadLambdaBundle(file: string): LambdaHandler {
  const handler = loadBundleExports(file).handler;
  if (typeof handler !== 'function') throw new Error(`${file} exports no handler function`);
  return handler as LambdaHandler;
}

/** The KeyValueStore associated with a CloudFront Function: key → value. */
export type KeyValueStoreData = Readonly<Record<string, string>>;

/** A CloudFront Functions script, loaded in its own context. */
export interface LoadedCloudFrontFunction {
  readonly context: vm.Context;
}

/**
 * The cloudfront-js-2.0 modules a script may import: `crypto` (hashes and HMACs, as Node's) and
 * `cloudfront` (`kvs()` over `keyValueStore`; `get` rejects for a missing key, as CloudFront's does).
 */
function runtimeModules(keyValueStore: KeyValueStoreData): Record<string, unknown> {
  const has = (key: string) => Object.prototype.hasOwnProperty.call(keyValueStore, key);
  const kvs = {
    get: async (key: string, options?: { format?: string }) => {
      if (!has(key)) throw new Error(`KeyValueStore key not found: ${key}`);
      return options?.format === 'json' ? JSON.parse(keyValueStore[key]) : keyValueStore[key];
    },
    exists: async (key: string) => has(key),
  };
  return { crypto: { createHash, createHmac }, cloudfront: { kvs: () => kvs } };
}

/** `import name from 'module';` lines, which CloudFront requires first in the script. */
const IMPORT_LINE = /^\s*import\s+([A-Za-z_$][\w$]*)\s+from\s+'([^']+)';/;

/**
 * A CloudFront Functions script in a bare context: no require, no process, no timers. A vm
 * script cannot hold import declarations, so the leading ones become context globals bound to
 * the emulated runtime modules; any other module is an error, as on CloudFront.
 */
export function loadCloudFrontFunction(source: string, filename = 'cloudfront-function.js', keyValueStore: KeyValueStoreData = {}): LoadedCloudFrontFunction {
  const modules = runtimeModules(keyValueStore);
  const globals: Record<string, unknown> = Object.create(null);
  let body = source;
  for (let match = IMPORT_LINE.exec(body); match; match = IMPORT_LINE.exec(body)) {
    if (!Object.prototype.hasOwnProperty.call(modules, match[2])) throw new Error(`${filename} imports ${match[2]}, which CloudFront Functions does not offer`);
    globals[match[1]] = modules[match[2]];
    body = body.slice(match[0].length);
  }
  const context = vm.createContext({ ...globals });
  vm.runInContext(body, context, { filename, timeout: 1000 });
  if (typeof (context as { handler?: unknown }).handler !== 'function') throw new Error(`${filename} declares no top-level function handler(event)`);
  return { context };
}

export function loadCloudFrontFunctionFile(file: string, keyValueStore: KeyValueStoreData = {}): LoadedCloudFrontFunction {
  const source = readFileSync(file);
  // CloudFront refuses to create a function over its size limit; so does the local edge.
  if (source.length > CLOUDFRONT_FUNCTION_MAX_BYTES) {
    throw new Error(`${file} is ${source.length} bytes, over the ${CLOUDFRONT_FUNCTION_MAX_BYTES}-byte CloudFront Functions limit: run the lambda-edge normalizer for this config`);
  }
  return loadCloudFrontFunction(source.toString('utf8'), path.basename(file), keyValueStore);
}

/**
 * Runs the script's handler inside its own context, so a runaway loop is cut off by the time
 * limit; an async handler (cloudfront-js-2.0 allows one) is awaited within the same limit.
 */
export async function invokeCloudFrontFunction(loaded: LoadedCloudFrontFunction, event: unknown, timeoutMs: number, viewer: { readonly rawQueryString: string | undefined }): Promise<Invocation> {
  const context = loaded.context as { __event?: unknown; __rawQueryString?: string };
  context.__event = jsonCopy(event);
  const started = Date.now();
  try {
    // request.rawQueryString(): the query as sent, undefined without `?` ("General helper
    // methods"); cloudfront-js-2.0 gives every request the method, and the script relies on it.
    context.__rawQueryString = viewer.rawQueryString;
    vm.runInContext('__event.request.rawQueryString = function () { return __rawQueryString; };', loaded.context);
    let result = vm.runInContext('handler(__event)', loaded.context, { timeout: timeoutMs });
    if (result && typeof result.then === 'function') {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise((resolve) => { timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, timeoutMs - (Date.now() - started))); });
      result = await Promise.race([result, limit]);
      clearTimeout(timer);
      if (result === TIMED_OUT) return { outcome: 'timeout' };
    }
    return { outcome: 'result', result: jsonCopy(result) };
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { outcome: 'timeout' };
    return { outcome: 'error', error };
  } finally {
    delete context.__event;
    delete context.__rawQueryString;
  }
}
