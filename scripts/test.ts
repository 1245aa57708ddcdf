// npm test: type check, build, then every uvu suite under test/, ending with one plain line
// "N passed, N failed" (CI reads that line, not uvu's summary).
//   --corpus   run only test/corpus (needs ../shared/corpus beside the clone)
//   --load     run only test/load/load.test.ts (npm run test:load: 3,000 requests through the local edge)
//   --big      run only test/load/big-source.test.ts (npm run test:big: 64 concurrent misses of a
//              30 MB original), in a process of its own so neither run's memory figures see the other's
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpus = process.argv.includes('--corpus');
const load = process.argv.includes('--load');
const big = process.argv.includes('--big');

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(command, args, { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
}

function finish(passed: number, failed: number): never {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

for (const [label, args] of [['type check', ['tsc', '--noEmit']], ['build', ['tsx', 'scripts/build.ts']]] as const) {
  const result = run('npx', ['--no-install', ...args]);
  process.stdout.write(result.stdout);
  if (result.status !== 0) {
    console.error(`${label} failed`);
    finish(0, 1);
  }
}

// uvu runs every suite in one process; tsx compiles TypeScript on import (--import keeps top-level await).
const only = corpus ? ['test/corpus', '\\.test\\.ts$'] : load ? ['test/load', '^load\\.test\\.ts$'] : big ? ['test/load', '^big-source\\.test\\.ts$'] : null;
const uvuArgs = only
  ? [path.join(root, 'node_modules/uvu/bin.js'), ...only, '-c', 'false']
  : [path.join(root, 'node_modules/uvu/bin.js'), 'test', '\\.test\\.ts$', '-i', 'corpus', '-i', '^load', '-c', 'false'];
const result = run(process.execPath, uvuArgs, { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS || ''} --import tsx`.trim(), FORCE_COLOR: '0' });
process.stdout.write(result.stdout);

const count = (label: string) => Number((new RegExp(`${label}:\\s+(\\d+)`).exec(result.stdout) || [])[1] || 0);
const total = count('Total');
const passed = count('Passed');
// uvu's Total counts the tests that ran; a test.skip (njs not installed) is counted apart, in Skipped.
let failed = total - passed;
if (result.status !== 0 && failed === 0) failed = 1;
if (total === 0) failed = Math.max(failed, 1);
finish(passed, failed);
