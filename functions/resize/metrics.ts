// The resizer's one log line per request, in CloudWatch embedded metric format (EMF): CloudWatch
// Logs extracts the metrics from the line itself, so the function makes no metrics API call and
// the line stays readable (key, query, reason, status, sizes) for Logs Insights. Pure.
//
// Dimensions are kept few because every distinct combination is a custom metric billed per
// region: every metric by `outcome`, and the request count alone by `format` as well.

/** What the handler decided; each outcome is a dimension value. */
export const OUTCOMES = ['resized', 'original-smaller', 'passthrough', 'rejected', 'fallback-image', 'fallback-too-large', 'fallback-error'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The handler's log record (functions/resize/index.ts `LogLine`), as far as metrics read it. */
export interface ResizeLog {
  readonly outcome: Outcome;
  readonly format?: string;
  readonly bytesIn?: number;
  readonly bytesOut?: number;
  readonly quality?: number;
  /** Estimated bill of this invocation in US dollars (shared/lambda-edge-prices.ts). */
  readonly costUsd?: number;
  /** Milliseconds per stage (fetch, transform, total). */
  readonly ms: Readonly<Record<string, number>>;
}

type Unit = 'Count' | 'Milliseconds' | 'Bytes' | 'None';

/** The metrics, by name: what each one measures and its unit. Stage durations are `<stage>Ms`. */
export const METRICS = {
  Requests: { unit: 'Count', doc: 'one per origin response the resizer saw' },
  fetchMs: { unit: 'Milliseconds', doc: 'reading the original from S3' },
  transformMs: { unit: 'Milliseconds', doc: 'decoding, resizing and encoding (all quality attempts)' },
  totalMs: { unit: 'Milliseconds', doc: 'the whole handler' },
  BytesIn: { unit: 'Bytes', doc: 'size of the original' },
  BytesOut: { unit: 'Bytes', doc: 'size of the variant' },
  Quality: { unit: 'None', doc: 'the quality the variant was encoded at (after the 1 MB ladder)' },
  CostUsd: { unit: 'None', doc: 'estimated bill of the invocation in US dollars: the request fee plus the handler\'s time rounded up to the millisecond at `deploy.resizeMemoryMb` (Lambda bills the whole invocation, a little more)' },
} as const satisfies Record<string, { unit: Unit; doc: string }>;
export type MetricName = keyof typeof METRICS;

/** The stages whose durations become metrics; other `ms` keys stay in the line only. */
export const STAGES = ['fetch', 'transform', 'total'] as const;

/** One namespace per stack, so two deployments in one account do not mix. */
export function metricNamespace(stackName: string): string {
  return `EdgeImageResizer/${stackName}`;
}

/** The dimension value of `format` where no output format was chosen. */
export const NO_FORMAT = 'none';

interface Directive {
  Namespace: string;
  Dimensions: string[][];
  Metrics: Array<{ Name: MetricName; Unit: Unit }>;
}

/**
 * The log line: the handler's record with the EMF metadata and the metric values at the top
 * level. `timestamp` is milliseconds since the epoch (the caller's clock).
 */
export function emfLine(log: ResizeLog, namespace: string, timestamp: number): Record<string, unknown> {
  const values: Partial<Record<MetricName, number>> = { Requests: 1 };
  for (const stage of STAGES) {
    const ms = log.ms[stage];
    if (typeof ms === 'number') values[`${stage}Ms`] = ms;
  }
  if (log.bytesIn !== undefined) values.BytesIn = log.bytesIn;
  if (log.bytesOut !== undefined) values.BytesOut = log.bytesOut;
  if (log.quality !== undefined) values.Quality = log.quality;
  if (log.costUsd !== undefined) values.CostUsd = log.costUsd;
  const metric = (name: MetricName) => ({ Name: name, Unit: METRICS[name].unit });
  const directives: Directive[] = [
    { Namespace: namespace, Dimensions: [['outcome']], Metrics: (Object.keys(values) as MetricName[]).map(metric) },
    { Namespace: namespace, Dimensions: [['format']], Metrics: [metric('Requests')] },
  ];
  return {
    ...log,
    format: log.format || NO_FORMAT,
    ...values,
    _aws: { Timestamp: timestamp, CloudWatchMetrics: directives },
  };
}
