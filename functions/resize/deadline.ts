// One deadline per invocation, shared by the S3 GET, every encode of the size ladder and the
// fallback image, so the resizer always answers before Lambda's own timeout kills it (which
// CloudFront turns into a 503). Everything that waits takes its signal or its remaining time.
import type { Config } from '../../shared/config';

/** Time kept back from the function timeout for base64, logging and the return to CloudFront. */
export function deadlineMs(config: Config): number {
  const timeoutMs = config.deploy.resizeTimeoutSeconds * 1000;
  return Math.max(500, timeoutMs - Math.max(1000, Math.round(timeoutMs * 0.2)));
}

export interface Deadline {
  /** Milliseconds left, never negative. */
  remainingMs(): number;
  /** Aborts when the deadline passes: given to the S3 client. */
  readonly signal: AbortSignal;
  /** Resolves `work`, or rejects with a deadline error when the deadline passes first. */
  race<T>(work: Promise<T>, stage: string): Promise<T>;
  /**
   * The invocation has answered (the handler's finally): stops the timer and aborts the signal,
   * so work it left behind (an S3 attempt whose race the deadline won) stops rather than retry.
   */
  dispose(): void;
}

export const DEADLINE_ERROR = 'DeadlineExceeded';
/** The signal's reason once the invocation has answered: not a deadline, nothing to remember. */
export const ANSWERED = 'InvocationAnswered';

export function startDeadline(ms: number): Deadline {
  const at = performance.now() + ms;
  const controller = new AbortController();
  // Cleared by dispose(): left running, every invocation's timer outlived it by the whole
  // deadline and fired into a later one (the local edge's pool held one per miss for ~10 s).
  // dispose() aborts the signal itself: when a stage's race timer fired before this one, the
  // handler answered and cleared this timer, and the S3 attempt still running went on to its
  // own timeout and a retry, a GET after the answer (seen as a second GET in the next faults test).
  const timer = setTimeout(() => controller.abort(deadlineError(ms, 'deadline')), ms);
  timer.unref();
  const remainingMs = () => Math.max(0, at - performance.now());
  return {
    remainingMs,
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      if (!controller.signal.aborted) {
        const answered = new Error('the invocation has answered');
        answered.name = ANSWERED;
        controller.abort(answered);
      }
    },
    race(work, stage) {
      // The losing work is not awaited, so its rejection must not become an unhandled one.
      work.catch(() => undefined);
      return new Promise((resolve, reject) => {
        const left = remainingMs();
        if (left <= 0) return reject(deadlineError(ms, stage));
        const t = setTimeout(() => reject(deadlineError(ms, stage)), left);
        work.then((value) => { clearTimeout(t); resolve(value); }, (error) => { clearTimeout(t); reject(error); });
      });
    },
  };
}

function deadlineError(ms: number, stage: string): Error {
  const error = new Error(`deadline of ${ms} ms passed during ${stage}`) as Error & { stage: string };
  error.name = DEADLINE_ERROR;
  error.stage = stage;
  return error;
}

/**
 * Whether an error is the transform overrunning its time (the deadline passing while decoding
 * or encoding, or sharp's own timeout), as opposed to S3 being slow: the same original and
 * query would overrun again, so the container remembers it (resize.ts).
 */
/** The error for a plan whose fixed costs alone would overrun: answered as an overrun, at once. */
export function predictedOverrun(message: string): Error {
  const error = new Error(`overrun predicted: ${message}`) as Error & { stage: string };
  error.name = DEADLINE_ERROR;
  error.stage = 'encode';
  return error;
}

export function isOverrun(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === DEADLINE_ERROR) return (error as Error & { stage?: string }).stage === 'encode';
  return /timeout/i.test(error.message) && !/S3 GET/.test(error.message);
}
