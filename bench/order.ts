// The order a side-by-side comparison runs its pipelines in, round by round. Each call leaves
// the process in a state the next one pays for (sharp's and the allocator's memory after an
// encode: an effort-4 avif encode slows the next encode of the same source by about 3%,
// docs/performance.md, "The handler against the floor, avif"), so the pipeline a call follows
// must not always be the same one. A rotation (round r starting r places further along) keeps
// the neighbours: with ours, floor, naive, ipx, ours always ran right after ipx's effort-4 avif
// encode and floor right after ours. The rounds below, run as a cycle (the warm-up round is the
// cycle's last row), put each pipeline once right after each of the others: every ordered pair
// of distinct pipelines is adjacent exactly once per cycle, the step from one round into the
// next included (test/bench/order.test.ts).

/** Positions into the pipelines' list, one row per round, by the number of pipelines. */
export const ROUND_CYCLES: Readonly<Record<number, readonly (readonly number[])[]>> = {
  // Two: they alternate.
  2: [[0, 1]],
  // Three (also ours as Lambda, the least possible miss and the fastest encoder's).
  3: [[0, 1, 2], [1, 0, 2]],
  4: [[0, 1, 2, 3], [1, 3, 2, 0], [3, 0, 2, 1]],
};

/** Rounds in one balanced cycle for this many pipelines: ask for a multiple of it. */
export function cycleLength(pipelines: number): number {
  const cycle = ROUND_CYCLES[pipelines];
  const sizes = Object.keys(ROUND_CYCLES);
  if (!cycle) throw new Error(`a balanced round order is defined for ${sizes.slice(0, -1).join(', ')} or ${sizes[sizes.length - 1]} pipelines, got ${pipelines}`);
  return cycle.length;
}

/**
 * The pipelines in the order round `round` runs them: round 0 is the warm-up (the cycle's last
 * row, so the first timed call follows it as the cycle says), rounds 1, 2… the cycle's rows.
 */
export function roundOrder<T>(pipelines: readonly T[], round: number): T[] {
  const length = cycleLength(pipelines.length);
  const row = ROUND_CYCLES[pipelines.length][(round + length - 1) % length];
  return row.map((i) => pipelines[i]);
}
