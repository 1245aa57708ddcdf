// A miss that reached S3 with a 200, in named steps: recall what this container already knows,
// fetch the original, plan the output within the budget, then render it (the info JSON, or the
// image down the size ladder until it fits a generated response), or refuse.
import type { CloudFrontResultResponse } from 'aws-lambda';
import type { CanonicalTransform } from '../../shared/canonical';
import { isResizerError, type ResizerError } from '../../shared/errors';
import { FORMATS, isInfoFormat, type InfoFormat } from '../../shared/formats';
import { generatedResponseBytes, ORIGIN_RESPONSE_LIMIT_BYTES } from '../../shared/limits';
import { planTransform, type TransformPlan } from '../../shared/plan';
import { refusalAnswer, serverTiming, variantAnswer, variantHeaders, variantStatus, type FallbackTarget } from './answers';
import { capToBudget, encodeSeconds, LADDER_STEP_SHARE, overrunPredicted, pipelineCosts, sourceComplexity, type PipelineCosts, type Size } from './budget';
import { isOverrun, predictedOverrun, type Deadline } from './deadline';
import { describe } from './info';
import { elapsed, header, type Invocation } from './invocation';
import { originalInstead } from './never-larger';
import { passThrough, sourceLocation } from './route';
import { fetchSource, type SourceLocation } from './source';
import { checkPixels, conversionError, drawWatermark, openSource, pipeline, render, trimSource, type InspectedSource, type OpenedSource } from './transform';
import { loadOverlay, type Overlay } from './watermark';

/** Qualities tried, in order, when a lossy variant is too large for a generated response. */
export const QUALITY_LADDER = [70, 55, 40, 25];

/** The container's memory keys for this request: at most one of them is set. */
interface MemoKeys {
  /** A refusal or an overrun of this original version and canonical query. */
  readonly refusal?: string;
  /** The rendered fallback image for this status and canonical query. */
  readonly fallback?: string;
}

/** The original opened once (its bytes, its decoder and what that decoder's header read says), and the output planned within the budget. */
interface Planned {
  /** What the pipeline decodes: the original as opened, or its pixels after `trim`. */
  readonly opened: OpenedSource;
  /** What the original's header says (`opened.source` describes the trimmed image). */
  readonly original: InspectedSource;
  readonly plan: TransformPlan;
  readonly size: Size;
  readonly complexity: number;
  readonly costs: PipelineCosts;
  /** When planning (and so the transform stage) started. */
  readonly mark: number;
}

function memoKeys(invocation: Invocation, location: SourceLocation, fallback?: FallbackTarget): MemoKeys {
  const { event } = invocation;
  const query = event.Records[0].cf.request.querystring || '';
  // The origin's ETag names this version of the original: a fixed file gets a new one.
  const originEtag = header(event.Records[0].cf.response, 'etag');
  return {
    refusal: !fallback && originEtag ? `${location.bucket}/${location.key} ${originEtag} ?${query}` : undefined,
    fallback: fallback ? `${fallback.key} ${fallback.status} ?${query}` : undefined,
  };
}

/**
 * What this container already answered: a remembered refusal is thrown (its 4xx again), and so
 * is a remembered overrun (the original uncached again, within milliseconds instead of another
 * whole deadline); a fallback image is returned.
 */
function recall(invocation: Invocation, keys: MemoKeys, fallback?: FallbackTarget): CloudFrontResultResponse | undefined {
  const { log, memos } = invocation;
  const remembered = keys.refusal ? memos.refusals.get(keys.refusal) : undefined;
  if (remembered) {
    log.reason = 'refusal remembered';
    throw remembered;
  }
  const overrun = keys.refusal ? memos.overruns.get(keys.refusal) : undefined;
  if (overrun) throw new Error(`overrun remembered: ${overrun.message}`);
  const rendered = keys.fallback ? memos.fallbacks.get(keys.fallback) : undefined;
  if (rendered) {
    Object.assign(log, { outcome: 'fallback-image', status: fallback!.status, reason: 'fallback remembered' });
    return structuredClone(rendered);
  }
  return undefined;
}

async function fetchOriginal(invocation: Invocation, location: SourceLocation): Promise<Buffer> {
  const { config, log, deadline } = invocation;
  const mark = performance.now();
  const input = await deadline.race(fetchSource(location, config.maxInputBytes, deadline.signal), 'fetch');
  log.ms.fetch = elapsed(mark);
  log.bytesIn = input.length;
  return input;
}

/** sharp's timeout for a step: the whole seconds left before the deadline, at least one. */
function secondsLeft(deadline: Deadline): number {
  return Math.max(1, Math.floor(deadline.remainingMs() / 1000));
}

/**
 * Reads the header, refuses too many pixels, trims (a pass of its own, so the plan describes the
 * trimmed image), plans the transform, caps the output to the encode budget.
 */
async function planOutput(invocation: Invocation, transform: CanonicalTransform, input: Buffer): Promise<Planned> {
  const { config, log, deadline } = invocation;
  const mark = performance.now();
  const first = await openSource(input, invocation.open);
  const original = first.source;
  // The pixel limit and the plan's refusals (trimming an animation) from the header, before any pixel is decoded.
  checkPixels(original, planTransform(transform, original, config), config);
  const opened = transform.trim === undefined ? first
    : await deadline.race(trimSource(first, transform.trim, secondsLeft(deadline)), 'encode');
  const { source } = opened;
  const requested = planTransform(transform, source, config);
  const complexity = sourceComplexity(input.length, original.width * original.height * original.pages, requested.format);
  const costs = pipelineCosts(requested, source, source.pages, config);
  // Decoding every frame (and gif's cost per frame) cannot be capped like the output: a plan
  // whose fixed part alone overruns gets the overrun's answer now, not after the whole deadline.
  if (overrunPredicted(costs, deadline.remainingMs())) throw predictedOverrun(`${source.pages} frames of ${source.width}x${source.height} to ${requested.format} need about ${costs.fixedSeconds.toFixed(1)} s before encoding`);
  const { plan, size, cappedFrom } = capToBudget(requested, requested.input, source.pages, deadline.remainingMs(), config, complexity, costs);
  if (cappedFrom) log.capped = `${cappedFrom.width}x${cappedFrom.height}`;
  log.format = plan.format;
  return { opened, original, plan, size, complexity, costs, mark };
}

/** The watermark's overlay (watermark.ts: read once per container and version), when the plan has one. */
async function overlayOf(invocation: Invocation, location: SourceLocation, plan: TransformPlan): Promise<Overlay | undefined> {
  if (!plan.watermark) return undefined;
  const { deadline, log } = invocation;
  const mark = performance.now();
  const overlay = await deadline.race(loadOverlay(plan.watermark.name, plan.watermark, location, deadline.signal), 'fetch');
  log.ms.watermark = elapsed(mark);
  return overlay;
}

/** `f=json` and the other info formats: the facts about the variant instead of its bytes. */
async function answerInfo(invocation: Invocation, format: InfoFormat, planned: Planned, fallback?: FallbackTarget): Promise<CloudFrontResultResponse> {
  const { event, config, log, started, deadline } = invocation;
  const response = event.Records[0].cf.response;
  const cacheControl = fallback ? config.errorCacheControl : config.cacheControl;
  const described = await deadline.race(describe(format, planned.opened, planned.plan, config, secondsLeft(deadline), planned.original), 'encode');
  log.ms.transform = elapsed(planned.mark);
  const timing = serverTiming({ fetch: log.ms.fetch, transform: log.ms.transform, total: elapsed(started) });
  Object.assign(log, { outcome: fallback ? 'fallback-image' : 'resized', status: variantStatus(fallback).status, bytesOut: described.data.length, width: described.width, height: described.height, format });
  const headers = variantHeaders(response, described.data, described.contentType, cacheControl, timing);
  return variantAnswer(headers, described.data.toString('utf8'), 'text', fallback);
}

/** The encodes tried in order: the plan's, lower qualities, then a png palette. */
function ladder(plan: TransformPlan): Array<{ quality?: number; palette?: boolean }> {
  const attempts: Array<{ quality?: number; palette?: boolean }> = [{}];
  if (plan.quality !== undefined) for (const q of QUALITY_LADDER) if (q < plan.quality) attempts.push({ quality: q });
  if (plan.format === 'png') attempts.push({ palette: true });
  return attempts;
}

/** Encodes down the size ladder until a variant fits a generated response; else the original passes through. */
async function answerImage(invocation: Invocation, planned: Planned, keys: MemoKeys, overlay: Overlay | undefined, fallback?: FallbackTarget): Promise<CloudFrontResultResponse> {
  const { event, config, log, started, deadline, memos } = invocation;
  const response = event.Records[0].cf.response;
  const { opened, original, plan, size, complexity, costs, mark } = planned;
  const { input, source } = opened;
  // The transform is built once (the watermark drawn on it); each step of the ladder below encodes it again.
  const seconds = () => secondsLeft(deadline);
  let built = await deadline.race(pipeline(opened, plan, config, seconds()).catch((error) => { throw conversionError(error, plan.format); }), 'encode');
  if (plan.watermark) {
    if (!overlay) throw new Error(`the overlay of wm=${plan.watermark.name} was not loaded`);
    // A watermarked plan never keeps a gain map (shared/plan.ts): the drawn image is all there is.
    const drawn = await deadline.race(drawWatermark(built.image, plan, overlay, seconds()).catch((error) => { throw conversionError(error, plan.format); }), 'encode');
    built = { image: drawn };
  }
  const pixels = size.width * size.height * (plan.animated ? source.pages : 1);
  const cacheControl = fallback ? config.errorCacheControl : config.cacheControl;
  for (const [index, attempt] of ladder(plan).entries()) {
    // A later step runs only if even its worst case fits in half the time left: an encode
    // cannot be stopped once started (budget.ts), and the other half is slack for a CPU
    // that is slower or busier than the one the budget was measured on.
    if (index > 0 && encodeSeconds(pixels, plan.format, attempt.palette === true, config, complexity, costs) * 1000 > deadline.remainingMs() * LADDER_STEP_SHARE) {
      log.reason = `no time left for the next step of the size ladder`;
      break;
    }
    const timeoutSeconds = secondsLeft(deadline);
    let rendered = await deadline.race(render(built, plan, { ...attempt, timeoutSeconds, animation: plan.watermark && plan.animated ? original : undefined }), 'encode');
    log.ms.transform = elapsed(mark);
    const originalFormat = fallback ? null : originalInstead(input.length, original, plan, rendered);
    if (originalFormat) rendered = { ...rendered, data: input };
    const body = rendered.data.toString('base64');
    const timing = serverTiming({ fetch: log.ms.fetch, transform: log.ms.transform, total: elapsed(started) });
    const headers = variantHeaders(response, rendered.data, FORMATS[originalFormat || plan.format].mimes[0], cacheControl, timing);
    if (generatedResponseBytes(headers, body) <= ORIGIN_RESPONSE_LIMIT_BYTES) {
      Object.assign(log, {
        outcome: fallback ? 'fallback-image' : originalFormat ? 'original-smaller' : 'resized', status: variantStatus(fallback).status, bytesOut: rendered.data.length, width: rendered.width, height: rendered.height,
        quality: attempt.quality !== undefined ? attempt.quality : plan.quality,
      });
      if (originalFormat) log.format = originalFormat;
      const answer = variantAnswer(headers, body, 'base64', fallback);
      if (keys.fallback) memos.fallbacks.set(keys.fallback, structuredClone(answer));
      return answer;
    }
  }
  log.outcome = 'fallback-too-large';
  log.reason = log.reason || `every variant exceeded ${ORIGIN_RESPONSE_LIMIT_BYTES} bytes`;
  return passThrough(invocation);
}

/** A 4xx for this request: remembered, then the fallback image when configured, else the refusal. */
async function refuse(invocation: Invocation, transform: CanonicalTransform, error: ResizerError, keys: MemoKeys): Promise<CloudFrontResultResponse> {
  const { event, config, log, memos } = invocation;
  if (keys.refusal) memos.refusals.set(keys.refusal, error);
  // An undecodable or oversized original: the fallback image, when there is one and this
  // was not already it.
  if (config.fallback && error.status === 422) {
    log.reason = error.message;
    try {
      return await resize(invocation, transform, { key: config.fallback, status: 422 });
    } catch {
      // The fallback itself failed: answer the original error.
    }
  }
  const answer = refusalAnswer(event.Records[0].cf.response, error, config.errorCacheControl);
  Object.assign(log, { outcome: 'rejected', status: Number(answer.status), reason: error.message });
  return answer;
}

export async function resize(invocation: Invocation, transform: CanonicalTransform, fallback?: FallbackTarget): Promise<CloudFrontResultResponse> {
  const location = sourceLocation(invocation.event, invocation.config, fallback && fallback.key);
  invocation.log.key = location.key;
  const keys = memoKeys(invocation, location, fallback);
  try {
    const remembered = recall(invocation, keys, fallback);
    if (remembered) return remembered;
    const input = await fetchOriginal(invocation, location);
    const planned = await planOutput(invocation, transform, input);
    if (isInfoFormat(transform.f)) return await answerInfo(invocation, transform.f, planned, fallback);
    return await answerImage(invocation, planned, keys, await overlayOf(invocation, location, planned.plan), fallback);
  } catch (error) {
    if (keys.refusal && isOverrun(error)) invocation.memos.overruns.set(keys.refusal, error as Error);
    // A fallback image that cannot be served leaves the answer it stood in for.
    if (!isResizerError(error) || error.status >= 500 || fallback) throw error;
    return refuse(invocation, transform, error, keys);
  }
}
