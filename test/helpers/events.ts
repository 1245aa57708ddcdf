// CloudFront events built from the fixture files in test/fixtures/events, with the parts a
// test cares about replaced.
import type { CloudFrontRequestEvent, CloudFrontResponseEvent } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CffEvent } from '../../functions/normalize/cloudfront-function';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/events');

function load<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(fixtures, name), 'utf8')) as T;
}

export function viewerRequest(querystring: string, accept?: string, uri = '/prod/photos/cat.jpg'): CloudFrontRequestEvent {
  const event = load<CloudFrontRequestEvent>('viewer-request.json');
  const request = event.Records[0].cf.request;
  request.querystring = querystring;
  request.uri = uri;
  if (accept === undefined) delete request.headers.accept;
  else request.headers.accept = [{ key: 'Accept', value: accept }];
  return event;
}

/** A CloudFront Functions event; `query` lists raw (still percent-encoded) name/value pairs in order. */
export function cffViewerRequest(query: Array<[string, string]>, accept?: string): CffEvent {
  const event = load<CffEvent & { request: { querystring: Record<string, { value: string; multiValue?: Array<{ value: string }> }> } }>('cloudfront-function-viewer-request.json');
  // Null prototype: a parameter named `__proto__` is a name like any other, never Object's prototype.
  const querystring: Record<string, { value: string; multiValue?: Array<{ value: string }> }> = Object.create(null);
  for (const [name, value] of query) {
    const existing = querystring[name];
    if (!existing) querystring[name] = { value };
    else (existing.multiValue ||= [{ value: existing.value }]).push({ value });
  }
  event.request.querystring = querystring;
  if (accept === undefined) delete event.request.headers.accept;
  else event.request.headers.accept = { value: accept };
  return event;
}

export interface OriginResponseOptions {
  uri: string;
  querystring: string;
  status?: string;
  contentType?: string | null;
  bucket?: string;
  method?: string;
}

export function originResponse(options: OriginResponseOptions): CloudFrontResponseEvent {
  const event = load<CloudFrontResponseEvent>('origin-response.json');
  const { request, response } = event.Records[0].cf;
  request.uri = options.uri;
  request.querystring = options.querystring;
  if (options.method) (request as { method: string }).method = options.method;
  if (options.bucket) {
    const domainName = `${options.bucket}.s3.us-east-1.amazonaws.com`;
    request.origin!.s3!.domainName = domainName;
    request.headers.host = [{ key: 'Host', value: domainName }];
  }
  if (options.status) {
    response.status = options.status;
    response.statusDescription = options.status === '200' ? 'OK' : 'Error';
  }
  if (options.contentType === null) delete response.headers['content-type'];
  else if (options.contentType) response.headers['content-type'] = [{ key: 'Content-Type', value: options.contentType }];
  return event;
}
