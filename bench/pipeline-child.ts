// One pipeline of the resize comparison in a process of its own (started by pipeline-process.ts):
// it makes the variants it is asked for over IPC and times each call itself, wall and CPU, so
// what another process does in the meantime (the bench's own garbage collections: its heap holds
// s3rver, the results and every case's reference planes) is never charged to the call, as a
// Lambda container is not charged for its neighbours. Ours loads only the built bundle.
import type { Lane, PipelineSetup, RunCase } from './pipelines';
import type { ChildReply, ChildRequest } from './pipeline-process';

async function runner(pipeline: Lane, setup: PipelineSetup): Promise<RunCase> {
  if (pipeline === 'ours') return (await import('./ours-runner')).oursRunner(setup);
  if (pipeline === 'least' || pipeline === 'fastest') return (await import('./least-runner')).leastRunner(setup, pipeline === 'least' ? 'ours' : 'fastest');
  return (await import('./pipelines')).sharpPipelineRunner(pipeline, setup);
}

async function main() {
  const run = await runner(process.env.BENCH_PIPELINE as Lane, JSON.parse(process.env.BENCH_SETUP || '{}'));
  const send = (reply: ChildReply) => process.send!(reply);
  process.on('message', (request: ChildRequest) => {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const faultsStarted = process.resourceUsage().minorPageFault;
    run(request.spec).then((output) => {
      const ms = performance.now() - started;
      const cpu = process.cpuUsage(cpuStarted);
      send({ id: request.id, ms, cpuMs: (cpu.user + cpu.system) / 1000, pageFaults: process.resourceUsage().minorPageFault - faultsStarted, ...output });
    }, (error: unknown) => send({ id: request.id, error: error instanceof Error ? error.message : String(error) }));
  });
  process.on('disconnect', () => process.exit(0));
  send({ id: 0, ready: true });
}

main().catch((error) => {
  process.send?.({ id: 0, error: `setting up ${process.env.BENCH_PIPELINE} failed: ${error instanceof Error ? error.stack : error}` });
  process.exit(1);
});
