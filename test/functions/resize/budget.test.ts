// The encode budget and the deadline, pure: what size each encoder may be asked for, and
// that one deadline bounds any wait.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { capToBudget, encodeSeconds, MIN_COMPLEXITY, outputSize, pixelBudget, sourceComplexity } from '../../../functions/resize/budget';
import { ANSWERED, DEADLINE_ERROR, deadlineMs, startDeadline } from '../../../functions/resize/deadline';
import type { TransformPlan } from '../../../shared/plan';
import { configWith } from '../../helpers/config';

const budget = suite('resize: encode budget and deadline');
const config = configWith();
const DEADLINE = deadlineMs(config);

function plan(format: TransformPlan['format'], resize?: Partial<NonNullable<TransformPlan['resize']>>, animated = false): TransformPlan {
  return {
    transform: { f: format }, format, animated, input: { width: 6000, height: 4000 },
    resize: resize && { fit: 'cover', position: 'centre', withoutEnlargement: true, background: { r: 0, g: 0, b: 0, alpha: 0 }, ...resize },
  };
}

budget('the deadline is below the function timeout, with room to return', () => {
  assert.is(DEADLINE, 12000);
  assert.is(deadlineMs(configWith({ deploy: { resizeTimeoutSeconds: 30 } })), 24000);
  assert.is(deadlineMs(configWith({ deploy: { resizeTimeoutSeconds: 1 } })), 500);
});

budget('outputSize follows sharp\'s fits without enlargement', () => {
  const source = { width: 6000, height: 4000 };
  assert.equal(outputSize(source, plan('jpeg')), source);
  assert.equal(outputSize(source, plan('jpeg', { width: 600 })), { width: 600, height: 400 });
  assert.equal(outputSize(source, plan('jpeg', { height: 100 })), { width: 150, height: 100 });
  assert.equal(outputSize(source, plan('jpeg', { width: 300, height: 300 })), { width: 300, height: 300 });
  assert.equal(outputSize(source, plan('jpeg', { width: 300, height: 300, fit: 'inside' })), { width: 300, height: 200 });
  assert.equal(outputSize(source, plan('jpeg', { width: 300, height: 300, fit: 'outside' })), { width: 450, height: 300 });
  assert.equal(outputSize(source, plan('jpeg', { width: 9000 })), source, 'never enlarged');
});

budget('?w=4096&f=avif of a 6000x6000 source is capped to the avif budget, aspect kept', () => {
  const capped = capToBudget(plan('avif', { width: 4096 }), { width: 6000, height: 6000 }, 1, DEADLINE, config);
  assert.equal(capped.cappedFrom, { width: 4096, height: 4096 });
  assert.ok(capped.size.width * capped.size.height <= pixelBudget('avif', DEADLINE, config));
  assert.is(capped.size.width, capped.size.height);
  assert.is(capped.plan.resize!.width, capped.size.width);
  assert.is(capped.plan.resize!.height, undefined, 'width alone still decides the height');
  assert.ok(encodeSeconds(capped.size.width * capped.size.height, 'avif', false, config) * 1000 <= DEADLINE / 2);
});

budget('the same size in jpeg or png, and a 4096 px wide 16:9 webp, are within budget and untouched', () => {
  for (const [format, source] of [['jpeg', { width: 6000, height: 6000 }], ['png', { width: 6000, height: 6000 }], ['webp', { width: 6000, height: 3375 }]] as const) {
    const asked = plan(format, { width: 4096 });
    const result = capToBudget(asked, source, 1, DEADLINE, config);
    assert.is(result.cappedFrom, undefined, format);
    assert.is(result.plan, asked);
  }
});

budget('a box (w and h) keeps its shape when capped, and frames of an animation count', () => {
  const box = capToBudget(plan('avif', { width: 4000, height: 2000 }), { width: 8000, height: 8000 }, 1, DEADLINE, config);
  assert.ok(Math.abs(box.size.width / box.size.height - 2) < 0.02, JSON.stringify(box.size));
  assert.is(box.plan.resize!.fit, 'cover');
  const frames = 100;
  const animation = capToBudget(plan('gif', { width: 400 }, true), { width: 400, height: 400 }, frames, DEADLINE, config);
  assert.ok(animation.size.width * animation.size.height * frames <= pixelBudget('gif', DEADLINE, config));
  const still = capToBudget(plan('gif', { width: 400 }), { width: 400, height: 400 }, frames, DEADLINE, config);
  assert.is(still.cappedFrom, undefined, 'a still output decodes one frame');
});

budget('a focal point\'s crop shrinks with the capped resize and stays inside it', () => {
  const focal: TransformPlan = { ...plan('avif', { width: 6000, height: 4000, fit: 'fill' }), focus: { left: 2000, top: 0, width: 4000, height: 4000 } };
  const { plan: capped, cappedFrom } = capToBudget(focal, { width: 6000, height: 4000 }, 1, DEADLINE, config);
  assert.ok(cappedFrom, 'over the avif budget');
  const r = capped.resize!;
  const f = capped.focus!;
  assert.ok(f.left + f.width <= r.width! && f.top + f.height <= r.height!, `${JSON.stringify(f)} inside ${r.width}x${r.height}`);
  assert.ok(Math.abs(f.width / f.height - 1) < 0.01, 'the crop keeps its square shape');
  assert.ok(Math.abs(f.left / r.width! - 1 / 3) < 0.01, 'and its place');
});

budget('a bare transform (no w or h) over budget gets a width', () => {
  const capped = capToBudget(plan('avif'), { width: 3000, height: 1500 }, 1, DEADLINE, config);
  assert.ok(capped.plan.resize && capped.plan.resize.width! < 3000 && capped.plan.resize.fit === 'inside');
});

budget('source complexity: noise pays the worst case, a photo a floored share of it', () => {
  assert.is(sourceComplexity(4_000_000 * 1.4, 4_000_000), 1, 'a q100 noise JPEG');
  assert.is(sourceComplexity(40_962, 1500 * 1000), MIN_COMPLEXITY, 'examples/bucket/dev/photo.jpg');
  assert.is(sourceComplexity(1, 1e8), MIN_COMPLEXITY, 'tiny bytes cannot claim zero cost');
  assert.is(sourceComplexity(500_000, 1_000_000), 0.5);
  const photo = sourceComplexity(40_962, 1500 * 1000);
  for (const asked of [plan('avif', { width: 1024 }), plan('avif', { width: 640, height: 853 })]) {
    assert.is(capToBudget(asked, { width: 1500, height: 1000 }, 1, DEADLINE, config, photo).cappedFrom, undefined, 'a photo at a common size is not capped');
    assert.ok(capToBudget(asked, { width: 6000, height: 6000 }, 1, DEADLINE, config, 1).cappedFrom, 'noise at the same size still is');
  }
  assert.ok(capToBudget(plan('avif', { width: 4096 }), { width: 6000, height: 6000 }, 1, DEADLINE, config, photo).cappedFrom, 'even a photo is capped at 4096 avif');
  assert.ok(capToBudget(plan('avif', { width: 1024 }), { width: 6000, height: 6000 }, 1, DEADLINE, config, 1).cappedFrom, 'noise at 1024 avif is capped');
});

budget('the deadline rejects work that outlives it, and aborts its signal', async () => {
  const deadline = startDeadline(50);
  const started = performance.now();
  const error = await deadline.race(new Promise(() => undefined), 'a stall').catch((e: Error) => e);
  assert.ok(error instanceof Error && error.name === DEADLINE_ERROR, String(error));
  assert.match((error as Error).message, /deadline of 50 ms passed during a stall/);
  assert.ok(performance.now() - started < 1000);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(deadline.signal.aborted);
  assert.is(await startDeadline(1000).race(Promise.resolve(7), 'quick'), 7);
});

budget('a disposed deadline never fires, and its signal stops what the answered invocation left running', async () => {
  const disposed = startDeadline(30);
  disposed.dispose();
  assert.is(disposed.signal.aborted, true, 'work still holding the signal is stopped');
  const running = startDeadline(30);
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.is((disposed.signal.reason as Error).name, ANSWERED, 'disposed: answered, never a deadline');
  assert.is((running.signal.reason as Error).name, DEADLINE_ERROR, 'not disposed: the deadline fired');
});

budget.run();
