// What the bench records about the machine beyond its CPU's name. This VM has reported another
// CPU model on another day, and the same least possible miss has taken 26.8 and 40.5 ms in two
// runs of one day (docs/performance.md, "Where issue 15 stands"). So each run states the CPU's
// family and model, and how much of the CPU time the hypervisor gave to other guests while the
// bench ran (steal time). Linux's /proc texts in, words out; nothing here reads a file.

/** "AMD EPYC (family 25, model 17)": the name, with the family and model when cpuinfo has them. */
export function cpuIdentity(modelName: string, cpuinfo: string | undefined): string {
  const field = (name: string) => cpuinfo && new RegExp(`^${name}\\s*:\\s*(\\d+)\\s*$`, 'm').exec(cpuinfo)?.[1];
  const family = field('cpu family');
  const model = field('model');
  return family && model ? `${modelName} (family ${family}, model ${model})` : modelName;
}

/** The machine's CPU time so far, from /proc/stat's "cpu" line, in its ticks. */
export interface CpuTimes {
  readonly steal: number;
  readonly total: number;
}

export function cpuTimes(procStat: string | undefined): CpuTimes | undefined {
  const line = procStat && /^cpu\s+(.+)$/m.exec(procStat)?.[1];
  if (!line) return undefined;
  // user nice system idle iowait irq softirq steal; guest time is already counted in user.
  const ticks = line.trim().split(/\s+/).slice(0, 8).map(Number);
  if (ticks.length < 8 || ticks.some((t) => !Number.isFinite(t))) return undefined;
  return { steal: ticks[7], total: ticks.reduce((a, b) => a + b, 0) };
}

/** The share of the machine's CPU time between two readings that was stolen, or undefined. */
export function stealShare(before: CpuTimes | undefined, after: CpuTimes | undefined): number | undefined {
  if (!before || !after || after.total <= before.total) return undefined;
  return (after.steal - before.steal) / (after.total - before.total);
}
