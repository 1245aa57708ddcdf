// The resizer's metrics as the local edge shows them: each log line of the resizer (its JSON
// line, or the CloudWatch embedded metric format it may become) read into one shape, printed
// per request in a readable form, and summed into a small live summary (variants made, hit
// rate, p50/p99 per stage) for the demo page. Pure.

/** What one resizer invocation reported. */
export interface ResizerMetrics {
  readonly outcome: string;
  readonly format?: string;
  readonly quality?: number;
  readonly bytesIn?: number;
  readonly bytesOut?: number;
  readonly width?: number;
  readonly height?: number;
  readonly key?: string;
  readonly reason?: string;
  /** Milliseconds per stage, `total` included when reported. */
  readonly ms: Readonly<Record<string, number>>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A stage name from an EMF metric name: fetchMs, fetch_ms, msFetch, fetchDuration → fetch. */
function stageOf(name: string): string | null {
  const match = /^(?:ms[._]?)?([a-z][a-z0-9]*?)(?:[._]?(?:ms|Ms|MS|Duration|duration))$/.exec(name) || /^ms[._]([a-z][a-z0-9]*)$/i.exec(name);
  return match ? match[1].replace(/^[A-Z]/, (c) => c.toLowerCase()) : null;
}

/**
 * Reads one log line; null when it is not the resizer's (or not JSON). Accepts today's line
 * ({ outcome, format, ms: { stage: ms }, bytesIn, bytesOut, quality }) and EMF (an `_aws` member
 * listing the metrics, values at the top level, stage times as `<stage>Ms` or in `ms`).
 */
export function parseResizerLog(line: string): ResizerMetrics | null {
  let value: unknown;
  try {
    value = JSON.parse(line.trim());
  } catch (_) {
    return null;
  }
  if (!isObject(value)) return null;
  const outcome = stringOf(value.outcome);
  if (!outcome) return null;
  const ms: Record<string, number> = {};
  if (isObject(value.ms)) {
    for (const [stage, elapsed] of Object.entries(value.ms)) if (numberOf(elapsed) !== undefined) ms[stage] = elapsed as number;
  }
  for (const [name, field] of Object.entries(value)) {
    const stage = name === 'ms' ? null : stageOf(name);
    const elapsed = numberOf(field);
    if (stage && elapsed !== undefined && ms[stage] === undefined) ms[stage] = elapsed;
  }
  return {
    outcome,
    format: stringOf(value.format),
    quality: numberOf(value.quality),
    bytesIn: numberOf(value.bytesIn),
    bytesOut: numberOf(value.bytesOut),
    width: numberOf(value.width),
    height: numberOf(value.height),
    key: stringOf(value.key),
    reason: stringOf(value.reason),
    ms,
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

/** One readable line, e.g. `resizer resized webp q80 320x213 · 1.2 MB → 12.3 KB · fetch 8ms decode 30ms … total 95ms`. */
export function formatMetrics(metrics: ResizerMetrics): string {
  const what = [metrics.outcome];
  if (metrics.format) what.push(metrics.format);
  if (metrics.quality !== undefined) what.push(`q${metrics.quality}`);
  if (metrics.width !== undefined && metrics.height !== undefined) what.push(`${metrics.width}x${metrics.height}`);
  const parts = [`resizer ${what.join(' ')}`];
  if (metrics.bytesIn !== undefined || metrics.bytesOut !== undefined) {
    parts.push(`${metrics.bytesIn === undefined ? '?' : formatBytes(metrics.bytesIn)} → ${metrics.bytesOut === undefined ? '?' : formatBytes(metrics.bytesOut)}`);
  }
  const stages = Object.keys(metrics.ms).filter((stage) => stage !== 'total');
  if (metrics.ms.total !== undefined) stages.push('total');
  if (stages.length) parts.push(stages.map((stage) => `${stage} ${Math.round(metrics.ms[stage])}ms`).join(' '));
  if (metrics.reason) parts.push(metrics.reason);
  return parts.join(' · ');
}

export interface StageSummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
}

export interface MetricsSnapshot {
  readonly requests: number;
  readonly hits: number;
  readonly misses: number;
  /** Hits over hits plus misses (answers served from or stored in the cache), 0 when none. */
  readonly hitRate: number;
  readonly variantsMade: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly stages: Readonly<Record<string, StageSummary>>;
}

/** The nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Counts since the edge started; stage times over the last `window` invocations. */
export class MetricsSummary {
  private requests = 0;
  private hits = 0;
  private misses = 0;
  private readonly outcomes: Record<string, number> = {};
  private readonly samples: Record<string, number[]> = {};

  constructor(private readonly window = 1000) {}

  /** One viewer request, by its x-cache. */
  recordRequest(xCache: string | undefined): void {
    this.requests++;
    if (xCache === 'Hit from cloudfront') this.hits++;
    else if (xCache === 'Miss from cloudfront') this.misses++;
  }

  recordResizer(metrics: ResizerMetrics): void {
    this.outcomes[metrics.outcome] = (this.outcomes[metrics.outcome] || 0) + 1;
    for (const [stage, elapsed] of Object.entries(metrics.ms)) {
      const list = (this.samples[stage] ||= []);
      list.push(elapsed);
      if (list.length > this.window) list.shift();
    }
  }

  snapshot(): MetricsSnapshot {
    const stages: Record<string, StageSummary> = {};
    for (const [stage, list] of Object.entries(this.samples)) {
      const sorted = [...list].sort((a, b) => a - b);
      stages[stage] = { count: list.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
    }
    return {
      requests: this.requests,
      hits: this.hits,
      misses: this.misses,
      hitRate: this.hits + this.misses ? this.hits / (this.hits + this.misses) : 0,
      variantsMade: this.outcomes.resized || 0,
      outcomes: { ...this.outcomes },
      stages,
    };
  }
}
