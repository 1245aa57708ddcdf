// The resizer as Lambda runs it: instances that each run one invocation at a time, each with
// the configured memory as a hard limit, and more requests than instances wait in a queue
// (CloudFront's concurrency is far above one machine's, so a local request is never throttled).
//
//   - An instance is a child process (resizer-worker.ts) that loads the built bundle once, like
//     a container; it starts on first need (a cold start) and stops after `idleMs` without work,
//     so memory goes back to the system as Lambda reclaims idle containers.
//   - Memory: sharp's pixels live outside V8's heap, so --max-old-space-size alone limits
//     nothing that matters. The pool reads each busy instance's resident set (Linux
//     /proc/<pid>/statm) every few milliseconds and kills the instance the moment it exceeds
//     deploy.resizeMemoryMb, as Lambda ends a function at its memory size; the invocation fails
//     as Lambda's out-of-memory does through CloudFront (503 LambdaExecutionError, "Runtime
//     exited with error: signal: killed"). Where /proc is missing the limit is V8's heap only.
//   - Time: an invocation past its timeout is answered as CloudFront does (503
//     LambdaLimitExceeded) and its instance is killed, so work given up on stops at once.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Invocation } from './functions';
import type { OriginFunction } from './pipeline';
import type { FromWorker, ToWorker, WorkerSetup } from './resizer-worker';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'resizer-worker.ts');
const PAGE_BYTES = 4096;

export interface ResizerPoolOptions extends WorkerSetup {
  /** deploy.resizeMemoryMb: the hard limit on each instance's resident memory. */
  readonly memoryMb: number;
  /** Instances at most. Default: sized to the machine (below). */
  readonly size?: number;
  /** An idle instance stops after this long. Default 30 s. */
  readonly idleMs?: number;
  /** How often a busy instance's memory is read. Default 10 ms. */
  readonly sampleMs?: number;
  /** The bundle's own log lines (its CloudWatch log), one per call. */
  readonly onLog?: (line: string) => void;
}

export interface PoolStats {
  readonly size: number;
  readonly running: number;
  readonly busy: number;
  readonly queued: number;
  /** Resident bytes of every running instance now. */
  readonly residentBytes: number;
  /** Instances killed for exceeding the memory limit, since the start. */
  readonly outOfMemory: number;
}

export interface ResizerPool extends OriginFunction {
  stats(): PoolStats;
  close(): Promise<void>;
}

/** One instance per core, and no more than the machine's free memory holds at the limit. */
export function machinePoolSize(memoryMb: number): number {
  const byMemory = Math.floor((os.totalmem() * 0.75) / (memoryMb * 1024 * 1024));
  return Math.max(1, Math.min(os.availableParallelism(), byMemory));
}

/** Resident bytes of a process, or undefined where /proc is not there. */
export function residentBytes(pid: number): number | undefined {
  const file = `/proc/${pid}/statm`;
  try {
    return Number(readFileSync(file, 'utf8').split(' ')[1]) * PAGE_BYTES;
  } catch (_) {
    return undefined;
  }
}

interface Job {
  readonly event: unknown;
  readonly timeoutMs: number;
  readonly resolve: (invocation: Invocation) => void;
}

interface Instance {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  busy: boolean;
  idleTimer?: NodeJS.Timeout;
}

const TSX_LOADER = import.meta.resolve('tsx');

export function createResizerPool(options: ResizerPoolOptions): ResizerPool {
  if (!existsSync(options.bundle)) throw new Error(`${options.bundle} is missing: run npm run build`);
  const size = options.size ?? machinePoolSize(options.memoryMb);
  const limitBytes = options.memoryMb * 1024 * 1024;
  const idleMs = options.idleMs ?? 30000;
  const sampleMs = options.sampleMs ?? 10;
  const instances = new Set<Instance>();
  const queue: Job[] = [];
  let nextId = 1;
  let outOfMemory = 0;
  let closed = false;

  function start(): Instance {
    const child = fork(WORKER, [], {
      // V8's heap limit too, so a JavaScript leak fails the same way; the RSS watch covers the rest.
      execArgv: ['--import', TSX_LOADER, `--max-old-space-size=${options.memoryMb}`],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // The parent's NODE_OPTIONS may load tsx already; the loader is named above, once.
      env: { ...process.env, NODE_OPTIONS: '' },
      serialization: 'advanced',
    });
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => { markReady = resolve; });
    const instance: Instance = { child, ready, busy: false };
    child.on('message', (message: FromWorker) => {
      if (message.kind === 'ready') markReady();
      else if (message.kind === 'log' && options.onLog) options.onLog(message.line);
    });
    child.on('exit', () => {
      instances.delete(instance);
      markReady();
    });
    const setup: ToWorker = { kind: 'setup', bundle: options.bundle, s3: options.s3 };
    child.send(setup);
    instances.add(instance);
    return instance;
  }

  function stop(instance: Instance): void {
    clearTimeout(instance.idleTimer);
    instances.delete(instance);
    if (instance.child.exitCode === null && instance.child.signalCode === null) instance.child.kill('SIGKILL');
  }

  /** An idle instance does not keep this process alive; a busy one does. */
  function hold(instance: Instance, busy: boolean): void {
    const channel = (instance.child as ChildProcess & { channel?: { ref(): void; unref(): void } }).channel;
    if (busy) {
      instance.child.ref();
      channel?.ref();
    } else {
      instance.child.unref();
      channel?.unref();
    }
  }

  function idle(instance: Instance): void {
    instance.busy = false;
    hold(instance, false);
    clearTimeout(instance.idleTimer);
    instance.idleTimer = setTimeout(() => stop(instance), idleMs);
    instance.idleTimer.unref();
  }

  async function run(instance: Instance, job: Job): Promise<void> {
    clearTimeout(instance.idleTimer);
    instance.busy = true;
    hold(instance, true);
    await instance.ready;
    const id = nextId++;
    const { child } = instance;
    const outcome = await new Promise<{ invocation: Invocation; keep: boolean }>((resolve) => {
      let settled = false;
      const finish = (invocation: Invocation, keep: boolean) => {
        if (settled) return;
        settled = true;
        clearInterval(watch);
        clearTimeout(timer);
        child.removeListener('message', onMessage);
        child.removeListener('exit', onExit);
        resolve({ invocation, keep });
      };
      const onMessage = (message: FromWorker) => {
        if (message.kind !== 'result' || message.id !== id) return;
        if (message.outcome === 'error') {
          const error = Object.assign(new Error(message.error.message), { name: message.error.name });
          finish({ outcome: 'error', error }, true);
        } else {
          finish(message.outcome === 'result' ? { outcome: 'result', result: message.result } : { outcome: 'timeout' }, message.outcome === 'result');
        }
      };
      const onExit = (code: number | null, signal: string | null) => {
        finish({ outcome: 'error', error: runtimeExit(signal ? `signal: ${signal.replace(/^SIG/, '').toLowerCase()}` : `exit status ${code}`) }, false);
      };
      const watch = setInterval(() => {
        const rss = child.pid === undefined ? undefined : residentBytes(child.pid);
        if (rss !== undefined && rss > limitBytes) {
          outOfMemory++;
          finish({ outcome: 'error', error: runtimeExit(`signal: killed (memory used ${Math.round(rss / 1048576)} MB, over deploy.resizeMemoryMb ${options.memoryMb} MB)`) }, false);
        }
      }, sampleMs);
      // The worker enforces the timeout itself; this catches an instance too busy to answer.
      const timer = setTimeout(() => finish({ outcome: 'timeout' }, false), job.timeoutMs + 1000);
      child.on('message', onMessage);
      child.on('exit', onExit);
      if (!child.connected) onExit(child.exitCode, child.signalCode);
      else child.send({ kind: 'invoke', id, event: job.event, timeoutMs: job.timeoutMs } satisfies ToWorker);
    });
    // A timed-out or out-of-memory instance is ended: its work must not go on, and its memory comes back.
    if (outcome.keep && !closed) idle(instance);
    else stop(instance);
    job.resolve(outcome.invocation);
  }

  function dispatch(): void {
    while (queue.length && !closed) {
      let instance = [...instances].find((candidate) => !candidate.busy && candidate.child.connected);
      if (!instance) {
        if (instances.size >= size) return;
        instance = start();
      }
      const job = queue.shift()!;
      run(instance, job).finally(dispatch);
    }
  }

  return {
    invoke(event, timeoutMs) {
      if (closed) return Promise.resolve({ outcome: 'error', error: new Error('the local edge is closed') });
      return new Promise<Invocation>((resolve) => {
        queue.push({ event, timeoutMs, resolve });
        dispatch();
      });
    },
    stats() {
      let resident = 0;
      for (const instance of instances) resident += (instance.child.pid !== undefined && residentBytes(instance.child.pid)) || 0;
      return {
        size,
        running: instances.size,
        busy: [...instances].filter((instance) => instance.busy).length,
        queued: queue.length,
        residentBytes: resident,
        outOfMemory,
      };
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.resolve({ outcome: 'error', error: new Error('the local edge is closed') });
      const exits = [...instances].map((instance) => new Promise<void>((resolve) => {
        if (instance.child.exitCode !== null || instance.child.signalCode !== null) resolve();
        else instance.child.once('exit', () => resolve());
        stop(instance);
      }));
      await Promise.all(exits);
    },
  };
}

/** What Lambda reports when the runtime process dies (out of memory, a crash). */
function runtimeExit(detail: string): Error {
  return Object.assign(new Error(`RequestId: local Error: Runtime exited with error: ${detail}`), { name: 'Runtime.ExitError' });
}
