// The one error type of the project. It is a plain Error with two fields rather than a
// subclass because the normalizer also ships as a CloudFront Functions script, whose
// runtime (ES5.1 plus a few later features) has no `class` syntax.

/** Why a signed URL is refused (403 `signature_<why>`). */
export type SignatureFailure = 'missing' | 'malformed' | 'wrong' | 'expired' | 'unverifiable';

export type ErrorCode =
  | 'bad_parameter'
  | 'bad_encoding'
  | 'bad_path'
  | `signature_${SignatureFailure}`
  | 'bad_rect'
  | 'presets_only'
  | 'param_not_allowed'
  | 'unsupported_source'
  | 'source_too_large'
  | 'partial_origin'
  | 'bad_watermark'
  | 'bad_config';

export interface ResizerError extends Error {
  readonly isResizerError: true;
  readonly status: number;
  readonly code: ErrorCode;
}

export function resizerError(status: number, code: ErrorCode, message: string): ResizerError {
  const error = new Error(message) as Error & { isResizerError: true; status: number; code: ErrorCode };
  error.name = 'ResizerError';
  error.isResizerError = true;
  error.status = status;
  error.code = code;
  return error;
}

export function isResizerError(value: unknown): value is ResizerError {
  // Anything without the flag is not one; only null and undefined have no properties to read.
  return value != null && (value as { isResizerError?: unknown }).isResizerError === true;
}

const MAX_ECHO = 64;

/** Quotes what a client sent, shortened and with control characters escaped, for one-line messages. */
export function quoteReceived(received: string): string {
  const short = received.length > MAX_ECHO ? received.slice(0, MAX_ECHO) + '…' : received;
  return JSON.stringify(short);
}

/** The body of every error response: one line, ending in a newline. */
export function errorBody(error: ResizerError): string {
  return error.message.replace(/[\r\n]+/g, ' ') + '\n';
}
