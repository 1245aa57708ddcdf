// Configs for tests: the project's file with some keys replaced, validated like the real one.
import raw from '../../resizer.config.json' with { type: 'json' };
import { parseConfig, type Config } from '../../shared/config';

type Overrides = { [key: string]: unknown };

function merge(base: unknown, overrides: Overrides | undefined): unknown {
  if (!overrides) return base;
  const out: Overrides = { ...(base as Overrides) };
  for (const [key, value] of Object.entries(overrides)) {
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    out[key] = isObject ? merge(out[key], value as Overrides) : value;
  }
  return out;
}

export function configWith(overrides?: Overrides): Config {
  return parseConfig(merge(raw, overrides));
}
