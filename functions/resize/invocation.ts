// What one invocation carries through its steps: the event, the config, the log line being
// filled, the deadline and the container's memories.
import type { CloudFrontResponse, CloudFrontResponseEvent, CloudFrontResultResponse } from 'aws-lambda';
import type { ResizerError } from '../../shared/errors';
import type { Deadline } from './deadline';
import type { Memo } from './memo';
import type { OpenImage } from './transform';
import type { Outcome } from './metrics';
import type { ResizerConfig } from './runtime-config';

export interface LogLine {
  outcome: Outcome;
  reason?: string;
  key?: string;
  query: string;
  status?: number;
  bytesIn?: number;
  bytesOut?: number;
  format?: string;
  width?: number;
  height?: number;
  quality?: number;
  /** The size asked for when the encode budget made the output smaller. */
  capped?: string;
  /** Estimated bill of this invocation in US dollars. */
  costUsd?: number;
  ms: Record<string, number>;
}

/** What one container remembers between invocations (memo.ts). */
export interface Memos {
  /** Refusals (422) by original, its S3 ETag and the canonical query. */
  readonly refusals: Memo<ResizerError>;
  /** Rendered fallback answers by fallback key, status and canonical query. */
  readonly fallbacks: Memo<CloudFrontResultResponse>;
  /** Overruns (the transform ran out of time) by original, its S3 ETag and the canonical query. */
  readonly overruns: Memo<Error>;
}

/** Everything one invocation carries through resize(). */
export interface Invocation {
  readonly event: CloudFrontResponseEvent;
  readonly config: ResizerConfig;
  readonly log: LogLine;
  readonly started: number;
  readonly deadline: Deadline;
  readonly memos: Memos;
  /** How the original is opened with sharp (transform.ts's openImage; a test counts through it). */
  readonly open: OpenImage;
}

export function header(response: CloudFrontResponse, name: string): string | undefined {
  const list = response.headers[name];
  return list && list.length ? list[0].value : undefined;
}

/** An error's first line, for a log reason or a one-line message (sharp's and libvips' run to several). */
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();
}

export function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 10) / 10;
}
