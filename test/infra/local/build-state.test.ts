// npm start rebuilds only when dist/ is missing or older than what it is built from.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BUNDLES, staleReason } from '../../../infra/local/build-state';

const buildState = suite<{ base: string }>('local edge build state', { base: '' });

function touch(base: string, file: string, secondsAgo: number): string {
  const full = path.join(base, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, '');
  const at = Date.now() / 1000 - secondsAgo;
  utimesSync(full, at, at);
  return full;
}

buildState.before.each((context) => {
  context.base = mkdtempSync(path.join(os.tmpdir(), 'build-state-'));
  for (const source of ['functions/resize/index.ts', 'shared/params.ts', 'scripts/build.ts', 'resizer.config.json', 'package-lock.json']) touch(context.base, source, 100);
});

buildState.after.each(({ base }) => {
  rmSync(base, { recursive: true, force: true });
});

buildState('missing bundles mean a build', ({ base }) => {
  assert.is(staleReason(base, undefined), 'dist/normalize/index.js is missing');
});

buildState('bundles newer than every source are current', ({ base }) => {
  for (const bundle of BUNDLES) touch(base, bundle, 10);
  assert.is(staleReason(base, undefined), null);
});

buildState('a source edited after the build, or a newer RESIZER_CONFIG file, means a build', ({ base }) => {
  for (const bundle of BUNDLES) touch(base, bundle, 10);
  const config = touch(base, 'other.config.json', 1);
  assert.is(staleReason(base, config), 'other.config.json changed since the last build');
  touch(base, 'shared/params.ts', 1);
  assert.is(staleReason(base, undefined), 'shared changed since the last build');
});

buildState.run();
