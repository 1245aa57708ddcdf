// SIGNING_KEYS_FILE=<path>: one key per line, each at least 32 characters. Read here (build,
// npm run sign, npm start) and nowhere else; the keys never go into the repo or the config file.
import { readFileSync } from 'node:fs';
import { parseSigningKeys } from '../shared/signing';

export const SIGNING_KEYS_VARIABLE = 'SIGNING_KEYS_FILE';

/** The keys of the file SIGNING_KEYS_FILE names, or null when it is not set; one-line errors. */
export function signingKeysFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): string[] | null {
  const file = env[SIGNING_KEYS_VARIABLE];
  if (!file) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${SIGNING_KEYS_VARIABLE} ${file} is not readable: ${(error as Error).message}`);
  }
  return parseSigningKeys(text, `${SIGNING_KEYS_VARIABLE} ${file}`);
}
