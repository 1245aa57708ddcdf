// The normalizer's whole decision, shared by both builds: path rules, then the signature (when
// signing is on), then the canonical query. Pure: the runtime's HMAC, key source and clock are
// handed in by the adapters (index.ts, cloudfront-function.ts).
import { canonicalize, formatCanonical, isTransform, parseQuery } from '../../shared/canonical';
import type { NormalizerConfig as Config } from '../../shared/config';
import '../../shared/features';
import { splitSignature, verifySignature, type Hmac } from '../../shared/signing';
import { checkPath } from './path';

export interface SigningRuntime {
  readonly hmac: Hmac;
  /** The active keys; read only when a signature has to be checked. */
  readonly keys: () => readonly string[] | Promise<readonly string[]>;
  /** Unix seconds. */
  readonly now: () => number;
}

export interface ViewerInput {
  /** The path exactly as sent (still percent-encoded). */
  readonly uri: string;
  /** The query exactly as sent, without `?`; undefined or '' when there is none. */
  readonly rawQuery: string | undefined;
  readonly accept: string;
}

/** The canonical query for a request, or a thrown 400/403 ResizerError. */
export async function normalizeRequest(input: ViewerInput, config: Config, signing: SigningRuntime): Promise<string> {
  checkPath(input.uri);
  // A constant `if` the build can drop whole when the config has signing off (shared/features.ts).
  if (NORMALIZER_FEATURES.signing && config.signing.enabled) {
    // `sig` (and with it `exp`) is not part of the parsed query: neither reaches the cache key.
    const signed = splitSignature(input.uri, input.rawQuery);
    const requested = parseQuery(signed.query, config);
    if (config.signing.originals || isTransform(requested) || signed.signature !== null) {
      // `await` as a statement of its own: njs (CloudFront Functions' engine) refuses it inside arguments.
      const keys = await signing.keys();
      verifySignature(signed, keys, signing.hmac, signing.now());
    }
    return formatCanonical(canonicalize(requested, input.accept, config));
  }
  return formatCanonical(canonicalize(parseQuery(input.rawQuery || '', config), input.accept, config));
}
