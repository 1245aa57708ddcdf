// Errors become responses here and nowhere else. Adapters only change the shape
// (Lambda@Edge header lists, CloudFront Functions header objects).
import { errorBody, isResizerError, type ResizerError } from './errors';

export interface PlainResponse {
  readonly status: number;
  readonly statusDescription: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request', 403: 'Forbidden', 413: 'Payload Too Large', 422: 'Unprocessable Entity', 500: 'Internal Server Error',
};

export function errorResponse(error: unknown, cacheControl: string): PlainResponse {
  const known: ResizerError | null = isResizerError(error) ? error : null;
  const status = known ? known.status : 500;
  return {
    status,
    statusDescription: REASONS[status] || 'Error',
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': cacheControl,
      'x-content-type-options': 'nosniff',
      'x-resizer-error': known ? known.code : 'internal_error',
    },
    body: known ? errorBody(known) : 'internal error\n',
  };
}

/** Lambda@Edge spells headers as lists of { key, value }. */
export function toLambdaHeaders(headers: Readonly<Record<string, string>>): Record<string, Array<{ key: string; value: string }>> {
  const out: Record<string, Array<{ key: string; value: string }>> = {};
  Object.keys(headers).forEach((name) => { out[name] = [{ key: name, value: headers[name] }]; });
  return out;
}
