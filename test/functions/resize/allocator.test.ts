// Loading the resize bundle settles glibc's allocator (functions/resize/allocator.ts): afterwards,
// megabyte blocks freed at the end of one "miss" are reused by the next instead of given back to
// the system and faulted in anew. Real processes, real glibc: each child allocates and writes 24
// blocks of 1 MiB, drops them and collects, eight times, and counts its minor page faults per
// round; one child has loaded the built bundle first, the other has not.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bundle = path.join(root, 'dist/resize/index.js');
const glibc = Boolean((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);

const ROUNDS = `
if (process.argv[1] === 'bundle') require(${JSON.stringify(bundle)});
globalThis.gc();
const faults = [];
for (let round = 0; round < 8; round++) {
  const before = process.resourceUsage().minorPageFault;
  let blocks = Array.from({ length: 24 }, () => Buffer.allocUnsafeSlow(1 << 20).fill(round));
  faults.push(process.resourceUsage().minorPageFault - before);
  blocks = undefined;
  globalThis.gc();
}
console.log(JSON.stringify(faults));
`;

function faultsPerRound(mode: 'bundle' | 'bare'): number[] {
  // --single-threaded-gc: the collection frees the blocks before gc() returns.
  const out = execFileSync(process.execPath, ['--expose-gc', '--single-threaded-gc', '-e', ROUNDS, mode], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  return JSON.parse(out.trim().split('\n').pop()!);
}

test(`after the bundle loads, 24 MiB freed and allocated again faults nothing in; without it, every round faults it all in${glibc ? '' : ' (skipped: not glibc)'}`, () => {
  if (!glibc) return;
  const bare = faultsPerRound('bare');
  const settled = faultsPerRound('bundle');
  const pages = (24 << 20) / 4096;
  // The control: glibc's defaults give the 24 MiB back after every round.
  for (const faults of bare.slice(1)) assert.ok(faults > pages * 0.9, `without the bundle: ${bare.join(', ')} faults per round (expected about ${pages} each)`);
  // With the bundle loaded: the first round faults the blocks in, later rounds reuse them.
  assert.ok(settled[0] > pages * 0.9, `first round with the bundle: ${settled[0]}`);
  for (const faults of settled.slice(1)) assert.ok(faults < pages * 0.05, `with the bundle: ${settled.join(', ')} faults per round`);
});

test.run();
