// Loading the resize bundle sets libvips' JPEG loader and saver, its resize and the webp saver
// up in the background (functions/resize/transform.ts, warmLibvips), so a new container's first
// miss does not pay for it after its S3 GET. A real process and the bundle's own sharp: right
// after the require one sharp call is already under way, it ends on its own without an error,
// and the process then exits by itself (nothing left holding it).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bundle = path.join(root, 'dist/resize/index.js');
const bundledSharp = path.join(root, 'dist/resize/node_modules/sharp');

// sharp counts a call as queued or processing from the call until its callback runs on the main
// thread, so the count read synchronously after the require cannot have dropped yet.
const CHILD = `
process.on('unhandledRejection', (error) => { console.log(JSON.stringify({ unhandled: String(error) })); process.exit(1); });
const sharp = require(${JSON.stringify(bundledSharp)});
const before = sharp.counters();
require(${JSON.stringify(bundle)});
const loaded = sharp.counters();
const poll = () => {
  const now = sharp.counters();
  if (now.queue + now.process > 0) return setTimeout(poll, 5);
  console.log(JSON.stringify({ before, loaded, settled: now }));
};
poll();
`;

test('loading the bundle starts one sharp call in the background, which ends without an error', () => {
  const result = spawnSync(process.execPath, ['-e', CHILD], { encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 30_000 });
  assert.is(result.status, 0, result.stderr || result.stdout);
  const report = JSON.parse(result.stdout.trim().split('\n').pop()!);
  assert.equal(report.before, { queue: 0, process: 0 });
  assert.is(report.loaded.queue + report.loaded.process, 1, JSON.stringify(report.loaded));
  assert.equal(report.settled, { queue: 0, process: 0 });
});

test.run();
