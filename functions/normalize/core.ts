// The normalizer's whole decision, shared by both builds: the canonical path (with its rules),
// then the signature (when signing is on), then the canonical query. Pure: the runtime's HMAC,
// key source and clock are handed in by the adapters (index.ts, cloudfront-function.ts).
import { canonicalize, formatCanonical, isTransform, parseQuery, type RequestedTransform } from '../../shared/canonical';
import type { NormalizerConfig as Config } from '../../shared/config';
import '../../shared/features';
import { WIDTH_RANGE, refusal as signatureRefusal, splitSignature, verifySignature, type Hmac } from '../../shared/signing';
import { resizingPrefix } from './behaviors';
import { bad, canonicalPath } from './path';

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

/** What the adapters write back into the request: the cache key's path and query. */
export interface NormalizedRequest {
  /** The canonical path (functions/normalize/path.ts). */
  readonly uri: string;
  /**
   * The canonical query; '' for the original. Not '' means a transform: Range and If-Range go.
   * null: a path under no resizing behaviour (behaviors.ts), whose query is left as sent.
   */
  readonly query: string | null;
}

/** The canonical path and query for a request, or a thrown 400/403 ResizerError. */
export async function normalizeRequest(input: ViewerInput, config: Config, signing: SigningRuntime): Promise<NormalizedRequest> {
  const uri = canonicalPath(input.uri);
  // Every behaviour runs this function (behaviors.ts): a path under no resizing behaviour gets
  // the path rules only; one CloudFront could not have matched on its own behaviour is refused.
  const home = resizingPrefix(uri, config.behaviors);
  if (home && input.uri.indexOf(home)) throw bad(`be spelled ${uri} (${home}*)`, input.uri);
  if (!home) return { uri, query: null };
  let query = input.rawQuery || '';
  let requested: RequestedTransform | undefined;
  // The `ws` range of a query a signature held for (read only then).
  let range: RegExpExecArray | null = null;
  // A constant `if` the build can drop whole when the config has signing off (shared/features.ts).
  if (NORMALIZER_FEATURES.signing && config.signing.enabled) {
    // `sig` (and with it `exp`) is not part of the parsed query: neither reaches the cache key.
    const signed = splitSignature(input.uri, query);
    let refusal: unknown;
    query = signed.query;
    try {
      requested = parseQuery(query, config);
    } catch (error) {
      refusal = error;
    }
    // The signature before any refusal of the query: an unsigned caller learns no allowed value, parameter or preset.
    if (config.signing.originals || signed.signature !== null || refusal || isTransform(requested!)) {
      // `await` as a statement of its own: njs (CloudFront Functions' engine) refuses it inside arguments.
      const keys = await signing.keys();
      verifySignature(signed, keys, signing.hmac, signing.now());
      range = WIDTH_RANGE.exec(query);
    }
    if (refusal) throw refusal;
  }
  const transform = canonicalize(requested || parseQuery(query, config), input.accept, config);
  // `ws`: the signature left `w` open; the width it became (after dpr and widths) must be in the signed range.
  if (NORMALIZER_FEATURES.signing && range) {
    const w = (transform || ({} as { w?: number })).w;
    if (!(w! >= +range[3] && w! <= +range[4])) throw signatureRefusal('wrong', `w must be within ws=${range[2]} (min-max widths, after dpr), got ${w || 'none'}`);
  }
  return { uri, query: formatCanonical(transform) };
}
