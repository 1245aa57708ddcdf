// A second JavaScript engine for the CloudFront Functions build: Debian's njs (nginx's engine,
// ES5.1-based like cloudfront-js), installed by .ci/run. A script is run as CloudFront runs it:
// a file whose top-level `handler(event)` is called, with njs's own `crypto` module (createHmac,
// as CloudFront Functions provide) and stand-ins for modules only CloudFront has (`cloudfront`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const NJS = process.env.NJS_PATH || 'njs';

/** njs's version, or null where it is not installed. */
export function njsVersion(): string | null {
  const result = spawnSync(NJS, ['-v'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

/** A `cloudfront` module whose KeyValueStore holds `data`. */
export function keyValueStoreModule(data: Readonly<Record<string, string>> = {}): string {
  return `var store = ${JSON.stringify(data)};
export default { kvs: function () { return { get: function (key) { return key in store ? Promise.resolve(store[key]) : Promise.reject(new Error('missing ' + key)); } }; } };
`;
}

export type NjsAnswer = { ok: unknown } | { error: string };

export interface NjsRequest {
  readonly event: unknown;
  /**
   * What event.request.rawQueryString() returns; without it, the event's query object joined
   * back (repeated names in multiValue order), as CloudFront gives every request the method.
   */
  readonly rawQueryString?: string;
}

/**
 * Calls the script's `handler` once per request in one njs process and returns each answer (a
 * returned promise is awaited) or the error it threw, as plain JSON. `modules` are files the
 * script imports by name (njs resolves a module file by its full name, so imports are rewritten).
 */
export function runInNjs(script: string, requests: readonly NjsRequest[], modules: Readonly<Record<string, string>> = {}): NjsAnswer[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'njs-'));
  const output = path.join(dir, 'answers.json');
  let source = script;
  for (const [name, text] of Object.entries(modules)) {
    writeFileSync(path.join(dir, `${name}.js`), text);
    source = source.split(`from '${name}'`).join(`from '${name}.js'`);
  }
  // njs's console.log cuts a line at about 2 KB, so the answers go to a file. Imports come first.
  const driver = `
;(function () {
  var requests = ${JSON.stringify(requests)};
  function joined(querystring) {
    var pairs = [];
    Object.keys(querystring).forEach(function (name) {
      var field = querystring[name];
      (field.multiValue ? field.multiValue.map(function (item) { return item.value; }) : [field.value]).forEach(function (value) { pairs.push(value === '' ? name : name + '=' + value); });
    });
    return pairs.join('&');
  }
  var pending = requests.map(function (r) {
    try {
      var request = r.event.request;
      if (request) request.rawQueryString = 'rawQueryString' in r ? function () { return r.rawQueryString; } : function () { return joined(request.querystring || {}); };
      return Promise.resolve(handler(r.event)).then(function (ok) { return { ok: ok }; }, function (e) { return { error: String(e) }; });
    } catch (e) {
      return Promise.resolve({ error: String(e) });
    }
  });
  Promise.all(pending).then(function (answers) { njsHarnessFs.writeFileSync(${JSON.stringify(output)}, JSON.stringify(answers)); });
})();
`;
  try {
    const file = path.join(dir, 'function.js');
    writeFileSync(file, `import njsHarnessFs from 'fs';\n${source}\n${driver}`);
    const result = spawnSync(NJS, ['-q', '-p', dir, file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`njs exited with ${result.status}: ${(result.stderr || result.stdout).trim().split('\n').slice(0, 3).join(' | ')}`);
    return JSON.parse(readFileSync(output, 'utf8')) as NjsAnswer[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
