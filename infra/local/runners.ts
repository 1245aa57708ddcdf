// The edge functions as the pipeline calls them: each loaded once, invoked per request within
// its time limit, its result checked against CloudFront's rules (rules.ts).
import type { CloudFrontResponseEvent } from 'aws-lambda';
import { cffViewerRequestEvent, lambdaViewerRequestEvent } from './events';
import { invokeCloudFrontFunction, invokeLambda, type Invocation, type LambdaHandler, type LoadedCloudFrontFunction } from './functions';
import type { OriginFunction, ViewerFunction } from './pipeline';
import { checkCffViewerRequestResult, checkViewerRequestResult, executionFailure, timeoutFailure, type ViewerRuntime } from './rules';

function checked<T>(runtime: ViewerRuntime, timeoutMs: number, invocation: Invocation, check: (result: unknown) => T) {
  if (invocation.outcome === 'timeout') return timeoutFailure(runtime, timeoutMs);
  if (invocation.outcome === 'error') return executionFailure(runtime, invocation.error);
  return check(invocation.result);
}

export function cloudFrontFunctionRunner(loaded: LoadedCloudFrontFunction, timeoutMs: number): ViewerFunction {
  const runtime = 'cloudfront-function';
  return {
    runtime,
    async run(request, distribution) {
      const event = cffViewerRequestEvent(request, distribution);
      // request.rawQueryString(): the query as sent, undefined without `?`.
      const rawQueryString = request.hasQuery === false ? undefined : request.querystring;
      const invocation = await invokeCloudFrontFunction(loaded, event, timeoutMs, { rawQueryString });
      return checked(runtime, timeoutMs, invocation, (result) => checkCffViewerRequestResult(event.request, result));
    },
  };
}

export function lambdaViewerRunner(handler: LambdaHandler, timeoutMs: number): ViewerFunction {
  const runtime = 'lambda-edge';
  return {
    runtime,
    async run(request, distribution) {
      const event = lambdaViewerRequestEvent(request, distribution);
      const invocation = await invokeLambda(handler, 'normalize', event, timeoutMs);
      return checked(runtime, timeoutMs, invocation, (result) => checkViewerRequestResult(event.Records[0].cf.request, result));
    },
  };
}

/** The origin-response function in this process: for handlers passed in (tests' misbehaving functions). */
export function inProcessOriginRunner(handler: LambdaHandler): OriginFunction {
  return { invoke: (event, timeoutMs) => invokeLambda(handler, 'resize', event as CloudFrontResponseEvent, timeoutMs) };
}
