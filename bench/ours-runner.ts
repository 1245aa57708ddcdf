// The comparison's "ours": the built dist/resize bundle, set up in a process of its own
// (pipeline-process.ts) that loads nothing else of the bench, as a Lambda container loads only
// the bundle. Origin-response event in, response out: the S3 GET, base64, ETag and the log line
// are in the timed call.
import type { CloudFrontResultResponse } from 'aws-lambda';
import { createRequire } from 'node:module';
import path from 'node:path';
import { originResponse } from '../test/helpers/events';
import type { PipelineSetup, RunCase } from './pipelines';

export function oursRunner(setup: PipelineSetup): RunCase {
  // The bundle over s3rver: endpoint and credentials passed in, not through the environment.
  const handler = createRequire(import.meta.url)(path.join(setup.root, 'dist/resize/index.js')).handlerFor({ ...setup.s3, bucket: setup.bucket }) as (event: unknown) => Promise<CloudFrontResultResponse>;
  // The handler's one log line per call: only the last is kept, for its outcome (Lambda sends
  // stdout to CloudWatch; here it would fill the bench's terminal).
  let lastLine = '';
  console.log = (line: string) => { lastLine = String(line); };
  return async (spec) => {
    const result = await handler(originResponse({ uri: `/${spec.key}`, querystring: spec.querystring, contentType: spec.contentType }));
    const outcome = JSON.parse(lastLine || '{}').outcome || '';
    if (!result.body) throw new Error(`the handler passed ${spec.key}?${spec.querystring} through (${outcome})`);
    return { bytes: Buffer.from(result.body, 'base64'), outcome };
  };
}
