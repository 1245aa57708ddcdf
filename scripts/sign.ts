// npm run sign -- <url> [--expires-in <seconds> | --expires <unix seconds>]
// Signs a URL with the first key of SIGNING_KEYS_FILE (see docs/security.md, "Signed URLs") and prints it.
// The URL must be percent-encoded as it will be requested.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signUrl } from '../shared/signing';
import { SIGNING_KEYS_VARIABLE, signingKeysFromEnv } from './signing-keys';

const USAGE = 'usage: npm run sign -- <url> [--expires-in <seconds> | --expires <unix seconds>]';

/** The signed URL for the arguments; throws one-line errors. */
export function signFromArgs(args: readonly string[], env: Readonly<Record<string, string | undefined>>, nowSeconds: number): string {
  let url: string | undefined;
  let expires: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--expires-in' || arg === '--expires') {
      const value = args[++i];
      if (value === undefined || !/^\d+$/.test(value)) throw new Error(`${arg} needs a whole number of seconds, got ${JSON.stringify(value ?? '')}`);
      expires = arg === '--expires' ? Number(value) : nowSeconds + Number(value);
    } else if (url === undefined && !arg.startsWith('--')) {
      url = arg;
    } else {
      throw new Error(`unexpected argument ${JSON.stringify(arg)}; ${USAGE}`);
    }
  }
  if (url === undefined) throw new Error(USAGE);
  const keys = signingKeysFromEnv(env);
  if (!keys) throw new Error(`${SIGNING_KEYS_VARIABLE} is not set: point it at the file of signing keys (one per line; the first one signs)`);
  return signUrl(url, keys, { expires });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    console.log(signFromArgs(process.argv.slice(2), process.env, Math.floor(Date.now() / 1000)));
  } catch (error) {
    console.error(`npm run sign: ${(error as Error).message}`);
    process.exit(1);
  }
}
