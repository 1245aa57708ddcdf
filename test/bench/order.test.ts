// The side-by-side comparisons' round order (bench/order.ts): every timed call's predecessor,
// counted over whole cycles, is each other pipeline equally often, so no pipeline always pays for
// the same neighbour's leftovers (the bias a rotation had: ours always ran right after ipx).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cycleLength, roundOrder } from '../../bench/order';

const LISTS = [['ours', 'floor', 'naive', 'ipx'], ['ours', 'least', 'fastest'], ['ours', 'least']];

/** How often each pipeline's timed call (rounds 1..rounds) directly follows each other call. */
function predecessors(pipelines: readonly string[], rounds: number): Map<string, number> {
  const calls: Array<{ round: number; pipeline: string }> = [];
  for (let round = 0; round <= rounds; round++) for (const pipeline of roundOrder(pipelines, round)) calls.push({ round, pipeline });
  const counts = new Map<string, number>();
  for (let i = 1; i < calls.length; i++) {
    if (calls[i].round === 0) continue; // the warm-up is not timed
    const pair = `${calls[i - 1].pipeline}>${calls[i].pipeline}`;
    counts.set(pair, (counts.get(pair) || 0) + 1);
  }
  return counts;
}

test('every round runs each pipeline once', () => {
  for (const pipelines of LISTS) {
    for (let round = 0; round < 7; round++) assert.equal([...roundOrder(pipelines, round)].sort(), [...pipelines].sort());
  }
});

test('over each whole cycle every pipeline follows each of the others exactly once, never itself', () => {
  for (const pipelines of LISTS) {
    for (const cycles of [1, 2, 3]) {
      const counts = predecessors(pipelines, cycles * cycleLength(pipelines.length));
      for (const before of pipelines) {
        for (const after of pipelines) assert.is(counts.get(`${before}>${after}`) || 0, before === after ? 0 : cycles, `${before} then ${after} over ${cycles} cycles`);
      }
    }
  }
});

test('the default 3 rounds of npm run bench are one whole cycle of its four pipelines', () => {
  assert.is(cycleLength(4), 3);
});

test('roundOrder refuses a number of pipelines it has no balanced cycle for', () => {
  assert.throws(() => roundOrder(['a'], 1), /2, 3 or 4 pipelines, got 1/);
  assert.throws(() => roundOrder(['a', 'b', 'c', 'd', 'e'], 1), /2, 3 or 4 pipelines, got 5/);
});

test.run();
