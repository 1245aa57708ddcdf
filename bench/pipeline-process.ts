// The parent's side of a pipeline in a process of its own (pipeline-child.ts): start it, ask it
// for a variant, stop it. The child reports its own timing of each call.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { CaseSpec, Lane, PipelineOutput, PipelineSetup } from './pipelines';

export interface ChildRequest { readonly id: number; readonly spec: CaseSpec }
export type ChildReply =
  | { readonly id: number; readonly ready: true }
  | { readonly id: number; readonly error: string }
  | ({ readonly id: number } & Omit<TimedOutput, 'bytes'> & { readonly bytes: Uint8Array });

/** One call as the child timed it: wall ms and its own CPU ms (every thread of that process). */
export interface TimedOutput extends PipelineOutput {
  readonly ms: number;
  readonly cpuMs: number;
  /** Minor page faults of the child during the call: memory its allocator had given back and took anew. */
  readonly pageFaults: number;
}

export interface PipelineProcess {
  run(spec: CaseSpec): Promise<TimedOutput>;
  stop(): void;
}

/**
 * How the child's memory allocator (glibc malloc) is set:
 *   defaults  as Lambda runs a function (it takes no environment at the edge, so no tunables).
 *             A freed large block goes back to the system and the next call faults it in anew,
 *             or not, depending on the thread and the allocator's history: in one process a case
 *             takes up to 10 ms (a third) longer than in another, for the same work. Ours' bundle
 *             then raises glibc's thresholds itself when it loads (functions/resize/allocator.ts),
 *             as it does on Lambda; the other pipelines stay at the defaults.
 *   settled   freed memory is kept for reuse (allocations up to 32 MiB from the arenas, nothing
 *             given back under 512 MiB), so every process runs a case alike: the comparison of
 *             pipelines is then of their work, not of their allocators' luck.
 * docs/performance.md, "Each pipeline in processes of its own, and a settled allocator".
 */
export type Allocator = 'defaults' | 'settled';
const SETTLED_MALLOC = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=536870912';

export async function startPipelineProcess(pipeline: Lane, setup: PipelineSetup, allocator: Allocator): Promise<PipelineProcess> {
  // Plain node with tsx's loader for the bench's TypeScript; no environment of the bench's own
  // (the endpoint and credentials come in BENCH_SETUP, as the handler takes them as arguments).
  const child: ChildProcess = fork(path.join(setup.root, 'bench/pipeline-child.ts'), [], {
    cwd: setup.root,
    // The SDK's Node-version notice once is enough (the bench's own process prints it).
    execArgv: ['--import', 'tsx', '--disable-warning=NodeVersionSupportWarning'],
    env: { PATH: process.env.PATH, BENCH_PIPELINE: pipeline, BENCH_SETUP: JSON.stringify(setup), ...(allocator === 'settled' ? { GLIBC_TUNABLES: SETTLED_MALLOC } : {}) },
    serialization: 'advanced', // Buffers cross as bytes, not JSON
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (reply: ChildReply) => void }>();
  let exited = '';
  const failAll = (why: string) => {
    exited = why;
    for (const { resolve } of waiting.values()) resolve({ id: 0, error: why });
    waiting.clear();
  };
  child.on('message', (reply: ChildReply) => {
    const entry = waiting.get(reply.id);
    waiting.delete(reply.id);
    entry?.resolve(reply);
  });
  child.on('exit', (code, signal) => failAll(`the ${pipeline} process exited (${signal || code})`));
  const ask = (id: number, send: () => void) => new Promise<ChildReply>((resolve) => {
    if (exited) return resolve({ id, error: exited });
    waiting.set(id, { resolve });
    send();
  });
  const ready = await ask(0, () => undefined);
  if ('error' in ready) throw new Error(ready.error);
  return {
    async run(spec) {
      const id = nextId++;
      const reply = await ask(id, () => child.send({ id, spec } satisfies ChildRequest));
      if ('error' in reply) throw new Error(`${pipeline}: ${reply.error}`);
      if ('ready' in reply) throw new Error(`${pipeline}: unexpected reply`);
      const { bytes, parts, outcome, ms, cpuMs, pageFaults } = reply;
      return { bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), parts, outcome, ms, cpuMs, pageFaults };
    },
    stop() {
      if (child.connected) child.disconnect();
    },
  };
}
