// The project's config file, read once, here, for the build (which bakes it into the
// functions), the local edge and the CDK app, so the three can never disagree. This is the
// only place RESIZER_CONFIG is read and the only default (resizer.config.json at the
// repository root). Node only: the functions never import it; they get the baked object.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig, type Config } from './config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const DEFAULT_CONFIG_FILE = path.join(root, 'resizer.config.json');

export interface ConfigFile {
  /** Absolute path of the file read. */
  readonly file: string;
  readonly config: Config;
}

/** Reads and validates one config file; every error is one line naming the file. */
export function readConfigFile(file: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`config file ${file} is not readable JSON: ${(error as Error).message}`);
  }
  try {
    return { file, config: parseConfig(raw) };
  } catch (error) {
    throw new Error(`config file ${file}: ${(error as Error).message}`);
  }
}

/** The file RESIZER_CONFIG names (relative to the working directory), or the default. */
export function configFilePath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.RESIZER_CONFIG ? path.resolve(env.RESIZER_CONFIG) : DEFAULT_CONFIG_FILE;
}

let loaded: ConfigFile | undefined;

/** The config in use for this process, read on first use and kept. */
export function projectConfig(): ConfigFile {
  if (!loaded) loaded = readConfigFile(configFilePath());
  return loaded;
}

/** The file in dist/ that holds the config the bundles were built with. */
export const BAKED_CONFIG_NAME = 'baked-config.json';

/** What the build writes beside the bundles, and what `npm start` compares with the config in use. */
export function bakedConfigText(config: Config): string {
  return JSON.stringify(config, null, 2) + '\n';
}
