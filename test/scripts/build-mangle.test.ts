// The normalizer bundles shorten the property names in INTERNAL_PROPERTIES (scripts/build.ts).
// Renaming is only safe for names nothing outside the bundle's own code reads or writes: these
// tests hold the list to that, against every JavaScript built-in's property names, the
// CloudFront Functions and Lambda@Edge event and response fields, and the headers the adapters
// read; and the built scripts still answer with their config (the canonical and signing suites
// run every build's full behaviour).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { INTERNAL_PROPERTIES, bakedLiteral, buildNormalizers } from '../../scripts/build';
import { configWith } from '../helpers/config';
import { normalizerRuntimes } from '../helpers/normalizers';

const root = path.resolve(import.meta.dirname, '../..');

/** Own property names of every global, its prototype chain, and instances of the common built-ins. */
function builtInNames(): Set<string> {
  const names = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (value: unknown) => {
    for (let v = value; v !== null && (typeof v === 'object' || typeof v === 'function') && !seen.has(v); v = Object.getPrototypeOf(v)) {
      seen.add(v);
      for (const name of Object.getOwnPropertyNames(v)) names.add(name);
    }
  };
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    names.add(name);
    let value: unknown;
    try { value = (globalThis as Record<string, unknown>)[name]; } catch { continue; }
    walk(value);
    if (typeof value === 'function' && value.prototype) walk(value.prototype);
  }
  for (const instance of [new Error('x'), /x/, /x/.exec('x'), 'x', [1], () => 1, Promise.resolve(), new Date(), { }]) walk(Object(instance));
  return names;
}

/**
 * Fields of the events the normalizer is given and the answers it returns, as the AWS docs
 * spell them ("CloudFront Functions event structure", "Lambda@Edge event structure", and the
 * generated-response pages), plus the runtime APIs the adapters call (crypto, KeyValueStore).
 */
const RUNTIME_FIELDS = [
  'version', 'context', 'distributionDomainName', 'distributionId', 'eventType', 'requestId', 'viewer', 'ip',
  'request', 'response', 'method', 'uri', 'querystring', 'headers', 'cookies', 'value', 'multiValue', 'attributes',
  'rawQueryString', 'statusCode', 'statusDescription', 'body', 'encoding', 'data', 'action', 'inputTruncated',
  'Records', 'cf', 'config', 'eventType', 'clientIp', 'key', 'status', 'bodyEncoding', 'origin', 's3', 'custom',
  'createHmac', 'update', 'digest', 'kvs', 'get', 'exists', 'meta',
];

/** Every key of the sample events in test/fixtures/events. */
function fixtureKeys(): Set<string> {
  const keys = new Set<string>();
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) for (const [key, child] of Object.entries(value)) { keys.add(key); walk(child); }
  };
  const dir = path.join(root, 'test/fixtures/events');
  for (const file of readdirSync(dir)) if (file.endsWith('.json')) walk(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
  return keys;
}

/** Header names the normalizer's adapters read or write, as `headers.x` or `headers['x']`. */
function adapterHeaderNames(): Set<string> {
  const names = new Set<string>();
  const dir = path.join(root, 'functions/normalize');
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.ts')) continue;
    const source = readFileSync(path.join(dir, file), 'utf8');
    for (const m of source.matchAll(/headers\s*(?:\.\s*([A-Za-z_$][\w$]*)|\[\s*['"]([^'"]+)['"]\s*\])/g)) names.add(m[1] || m[2]);
  }
  return names;
}

test('no shortened property name is a built-in\'s, an event\'s or response\'s field, or a header the adapters touch', () => {
  const builtIns = builtInNames();
  assert.ok(builtIns.has('keys') && builtIns.has('message') && builtIns.has('lastIndex'), 'the walk sees built-ins');
  const fixtures = fixtureKeys();
  assert.ok(fixtures.has('querystring') && fixtures.has('Records'), 'the walk sees both kinds of event');
  const headers = adapterHeaderNames();
  assert.ok(headers.has('accept'), 'the scan sees the Accept header');
  for (const name of INTERNAL_PROPERTIES) {
    assert.not.ok(builtIns.has(name), `${name} is a built-in property name`);
    assert.not.ok(RUNTIME_FIELDS.includes(name), `${name} is an event, response or runtime API field`);
    assert.not.ok(fixtures.has(name), `${name} is a key of a sample event`);
    assert.not.ok(headers.has(name), `${name} is a header the adapters read or write`);
  }
});

test('baked literals leave config keys unquoted (renamed with the code) and data keys quoted (never renamed)', () => {
  const literal = bakedLiteral({ maxDimension: 10, presets: { alpha: 'w=1', 'a-b': 'w=2' }, watermarks: { kind: 1 }, quality: { jpeg: 80 }, formats: { outputs: ['jpeg'] } });
  assert.is(literal, '{maxDimension:10,presets:{"alpha":"w=1","a-b":"w=2"},watermarks:{"kind":1},quality:{"jpeg":80},formats:{outputs:["jpeg"]}}');
  assert.equal(new Function(`return ${literal}`)(), { maxDimension: 10, presets: { alpha: 'w=1', 'a-b': 'w=2' }, watermarks: { kind: 1 }, quality: { jpeg: 80 }, formats: { outputs: ['jpeg'] } });
});

test('presets and watermarks named like shortened properties still work in both built normalizers', async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'mangle-'));
  try {
    const mark = { key: 'dev/logo.png' };
    await buildNormalizers(configWith({ presets: { kind: 'w=10&f=png', alpha: 'w=20&f=png', presets: 'w=30&f=png' }, watermarks: { param: mark, watermarks: mark } }), [], out);
    for (const [runtime, normalize] of normalizerRuntimes(out)) {
      for (const [name, w] of [['kind', 10], ['alpha', 20], ['presets', 30]] as const) {
        assert.equal(await normalize(`p=${name}`), { query: `w=${w}&f=png` }, `${runtime}: p=${name}`);
      }
      const refused = await normalize('p=code');
      assert.ok('status' in refused && refused.body === 'p must be one of kind, alpha, presets, got "code"\n', `${runtime}: ${JSON.stringify(refused)}`);
      for (const name of ['param', 'watermarks']) assert.equal(await normalize(`wm=${name}&f=png`), { query: `f=png&wm=${name}` }, `${runtime}: wm=${name}`);
      const unknown = await normalize('wm=kind');
      assert.ok('status' in unknown && unknown.body === 'wm must be one of param, watermarks, got "kind"\n', `${runtime}: ${JSON.stringify(unknown)}`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
