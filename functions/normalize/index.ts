// Lambda@Edge viewer-request handler: rewrites the query into its canonical form, or
// answers a malformed one with 400. Zero runtime dependencies.
import type { CloudFrontRequestEvent, CloudFrontRequestResult } from 'aws-lambda';
import { bakedConfig } from '../../shared/baked-config';
import { canonicalQuery } from '../../shared/canonical';
import type { Config } from '../../shared/config';
import { errorResponse, toLambdaHeaders } from '../../shared/responses';

export function createHandler(config: Config) {
  return async function handler(event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> {
    const request = event.Records[0].cf.request;
    const accept = (request.headers.accept || []).map((header) => header.value).join(',');
    try {
      request.querystring = canonicalQuery(request.querystring || '', accept, config);
      return request;
    } catch (error) {
      const response = errorResponse(error, 'no-store');
      return {
        status: String(response.status),
        statusDescription: response.statusDescription,
        headers: toLambdaHeaders(response.headers),
        body: response.body,
        bodyEncoding: 'text',
      };
    }
  };
}

export const handler = createHandler(bakedConfig);
