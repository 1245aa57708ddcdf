// npm run sign: signs with the first key of SIGNING_KEYS_FILE, exactly as signUrl does.
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { signFromArgs } from '../../scripts/sign';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'sign-'));
const KEYS = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')];
const keysFile = path.join(dir, 'keys.txt');
writeFileSync(keysFile, KEYS.join('\n') + '\n');
const env = { SIGNING_KEYS_FILE: keysFile };
const mac = (message: string) => createHmac('sha256', KEYS[0]).update(message).digest('base64url');

test('npm run sign prints the URL signed with the first key', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/sign.ts'), 'https://cdn.example.com/dev/photo.jpg?w=200'], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.is(result.status, 0, result.stderr);
  assert.is(result.stdout, `https://cdn.example.com/dev/photo.jpg?w=200&sig=${mac('/dev/photo.jpg?w=200')}\n`);
});

test('--expires-in and --expires add a signed exp', () => {
  assert.is(signFromArgs(['/dev/a.jpg', '--expires-in', '60'], env, 1000), `/dev/a.jpg?exp=1060&sig=${mac('/dev/a.jpg?exp=1060')}`);
  assert.is(signFromArgs(['--expires', '2000', '/dev/a.jpg?w=1'], env, 1000), `/dev/a.jpg?w=1&exp=2000&sig=${mac('/dev/a.jpg?w=1&exp=2000')}`);
});

test('one-line errors: no url, no keys file, a bad keys file, a bad expiry, a URL not encoded as sent', () => {
  writeFileSync(path.join(dir, 'short.txt'), 'too-short\n');
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [[], env, /^usage: npm run sign -- <url>/],
    [['/dev/a.jpg'], {}, /^SIGNING_KEYS_FILE is not set/],
    [['/dev/a.jpg'], { SIGNING_KEYS_FILE: path.join(dir, 'short.txt') }, /^SIGNING_KEYS_FILE \S+short\.txt line 1 must be a key of at least 32 characters, got 9$/],
    [['/dev/a.jpg'], { SIGNING_KEYS_FILE: path.join(dir, 'missing.txt') }, /^SIGNING_KEYS_FILE \S+missing\.txt is not readable/],
    [['/dev/a.jpg', '--expires-in', 'soon'], env, /^--expires-in needs a whole number of seconds, got "soon"$/],
    [['/dev/a b.jpg'], env, /percent-encoded as it will be sent/],
  ];
  for (const [args, environment, message] of cases) {
    assert.throws(() => signFromArgs(args, environment, 0), (error: Error) => message.test(error.message) && !error.message.includes('\n'), args.join(' '));
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
