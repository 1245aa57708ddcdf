// `@edge-image-resizer/client/config`: for a site whose edge runs another config than the one
// the package was built with. Its own entry because the config schema (which validates the
// file itself) is most of the package's bytes, and most sites never need it.
import { normalizerConfig, parseConfig } from '../../shared/config';
import type { EdgeConfig } from './index';

/**
 * Reads a resizer.config.json (or the part of it that differs from the defaults) with the
 * schema that validates the file itself, into what the normalizer reads: pass it as
 * `{ config }` to imageUrl, srcset, fetchInfo or createLoader.
 */
export function edgeConfig(raw: Record<string, unknown>): EdgeConfig {
  return normalizerConfig(parseConfig(raw));
}
