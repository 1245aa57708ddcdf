// Lambda@Edge viewer-request handler: checks the path and (when signing is on) the signature,
// rewrites the query into its canonical form, or answers with 400 or 403. Zero runtime
// dependencies; node:crypto only for the HMAC, which the pure core is handed.
import type { CloudFrontRequestEvent, CloudFrontRequestResult } from 'aws-lambda';
import { createHmac } from 'node:crypto';
import { bakedConfig } from '../../shared/baked-config';
import type { NormalizerConfig as Config } from '../../shared/config';
import { errorResponse, toLambdaHeaders } from '../../shared/responses';
import { normalizeRequest, type SigningRuntime } from './core';
import { bakedSigningKeys } from './signing-keys';

export function createHandler(config: Config, keys: readonly string[]) {
  const signing: SigningRuntime = {
    hmac: (key, message) => createHmac('sha256', key).update(message, 'utf8').digest('base64url'),
    keys: () => keys,
    now: () => Math.floor(Date.now() / 1000),
  };
  return async function handler(event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> {
    const request = event.Records[0].cf.request;
    // Own properties only: a header named `constructor` or `__proto__` is just a header.
    const acceptHeaders = Object.prototype.hasOwnProperty.call(request.headers, 'accept') ? request.headers.accept : [];
    const accept = acceptHeaders.map((header) => header.value).join(',');
    try {
      const normalized = await normalizeRequest({ uri: request.uri, rawQuery: request.querystring, accept }, config, signing);
      request.uri = normalized.uri;
      if (normalized.query !== null) request.querystring = normalized.query;
      // A transform's answer is the whole variant: a Range would reach S3 on a miss (issue 14).
      if (normalized.query) delete request.headers.range, delete request.headers['if-range'];
      return request;
    } catch (error) {
      const response = errorResponse(error, 'no-store');
      return {
        status: String(response.status),
        headers: toLambdaHeaders(response.headers),
        body: response.body,
        bodyEncoding: 'text',
      };
    }
  };
}

export const handler = createHandler(bakedConfig, bakedSigningKeys);
