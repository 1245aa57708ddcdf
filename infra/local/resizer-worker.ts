// One resizer instance of the local edge's pool (resizer-pool.ts): a child process that loads
// the built resize bundle once, as a Lambda container does, and runs one invocation at a time
// on request of its parent. The bundle's console.log lines (its CloudWatch log) go to the
// parent, which prints them and reads the metrics in them.
import { format } from 'node:util';
import { invokeLambda, loadBundleExports, type LambdaHandler } from './functions';
import { quietSdkNodeWarning } from './node-warnings';

export interface WorkerSetup {
  readonly bundle: string;
  /** Passed to the bundle's handlerFor: endpoint, bucket, credentials. */
  readonly s3: Readonly<Record<string, unknown>>;
}

export type ToWorker = ({ kind: 'setup' } & WorkerSetup) | { kind: 'invoke'; id: number; event: unknown; timeoutMs: number };

export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'log'; line: string }
  | { kind: 'result'; id: number; outcome: 'result'; result: unknown }
  | { kind: 'result'; id: number; outcome: 'error'; error: { name: string; message: string } }
  | { kind: 'result'; id: number; outcome: 'timeout' };

function send(message: FromWorker): void {
  if (process.send) process.send(message);
}

/** The settings arrive as the first message (never through the environment); then invocations. */
function main(): void {
  if (!process.send) throw new Error('resizer-worker.ts runs only as a child of the local edge\'s pool');
  quietSdkNodeWarning();
  console.log = (...args: unknown[]) => send({ kind: 'log', line: format(...args) });
  let handler: LambdaHandler | undefined;
  process.on('message', (message: ToWorker) => {
    if (message.kind === 'setup') {
      const handlerFor = loadBundleExports(message.bundle).handlerFor;
      if (typeof handlerFor !== 'function') throw new Error(`${message.bundle} exports no handlerFor function: run npm run build`);
      handler = handlerFor(message.s3) as LambdaHandler;
      send({ kind: 'ready' });
      return;
    }
    if (!handler) throw new Error('invoked before setup');
    invokeLambda(handler, 'resize', message.event, message.timeoutMs).then((invocation) => {
      if (invocation.outcome === 'error') {
        const error = invocation.error as Error;
        send({ kind: 'result', id: message.id, outcome: 'error', error: { name: error?.name || 'Error', message: String(error?.message ?? error) } });
      } else {
        send({ kind: 'result', id: message.id, ...invocation });
      }
    });
  });
}

main();
