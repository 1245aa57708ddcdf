// npm start rebuilds when dist/ is missing, older than its sources, or baked from another config
// than the one in use (compared by content, never by file times).
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BAKED_CONFIG, BUNDLES, staleReason } from '../../../infra/local/build-state';
import { bakedConfigText } from '../../../shared/config-file';
import { configWith } from '../../helpers/config';

const buildState = suite<{ base: string }>('local edge build state', { base: '' });
const config = configWith();
const other = configWith({ maxDimension: 1000, cors: { allowedOrigins: ['https://www.example.com'] } });

function touch(base: string, file: string, secondsAgo: number, text = ''): string {
  const full = path.join(base, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, text);
  const at = Date.now() / 1000 - secondsAgo;
  utimesSync(full, at, at);
  return full;
}

function built(base: string, secondsAgo: number, baked = config): void {
  for (const bundle of BUNDLES) touch(base, bundle, secondsAgo);
  touch(base, BAKED_CONFIG, secondsAgo, bakedConfigText(baked));
}

buildState.before.each((context) => {
  context.base = mkdtempSync(path.join(os.tmpdir(), 'build-state-'));
  for (const source of ['functions/resize/index.ts', 'shared/params.ts', 'scripts/build.ts', 'package-lock.json']) touch(context.base, source, 100);
});

buildState.after.each(({ base }) => {
  rmSync(base, { recursive: true, force: true });
});

buildState('missing bundles mean a build', ({ base }) => {
  assert.is(staleReason(config, base), 'dist/normalize/index.js is missing');
});

buildState('bundles newer than every source, baked from the config in use, are current', ({ base }) => {
  built(base, 10);
  assert.is(staleReason(config, base), null);
});

buildState('another config means a build, however old its file: contents are compared, not times', ({ base }) => {
  built(base, 10);
  assert.is(staleReason(other, base), 'the config in use differs from the one baked into dist/');
  // After a build with the other config, a plain start (the default config) builds again.
  built(base, 10, other);
  assert.is(staleReason(config, base), 'the config in use differs from the one baked into dist/');
  assert.is(staleReason(other, base), null);
});

buildState('a dist/ from before the baked config was written means a build', ({ base }) => {
  built(base, 10);
  rmSync(path.join(base, BAKED_CONFIG));
  assert.is(staleReason(config, base), `${BAKED_CONFIG} is missing`);
});

buildState('a source edited after the build means a build', ({ base }) => {
  built(base, 10);
  touch(base, 'shared/params.ts', 1);
  assert.is(staleReason(config, base), 'shared changed since the last build');
});

buildState.run();
