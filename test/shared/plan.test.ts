import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCanonical } from '../../shared/canonical';
import { DEFAULT_CONFIG } from '../../shared/config';
import { isResizerError } from '../../shared/errors';
import { planTransform, type SourceInfo, type TransformPlan } from '../../shared/plan';
import { configWith } from '../helpers/config';
import { fixture } from '../helpers/fixtures';

/** What a fixture row may assert about a plan: each key is read from the plan by its getter. */
const VIEW: Record<string, (plan: TransformPlan) => unknown> = {
  format: (p) => p.format,
  quality: (p) => p.quality,
  animated: (p) => p.animated,
  flatten: (p) => p.flatten !== undefined,
  flattenColour: (p) => p.flatten,
  resize: (p) => p.resize !== undefined,
  width: (p) => p.resize?.width,
  height: (p) => p.resize?.height,
  fit: (p) => p.resize?.fit,
  position: (p) => p.resize?.position,
  background: (p) => p.resize?.background,
  crop: (p) => p.crop,
  rotate: (p) => p.rotate,
  flip: (p) => p.flip,
  flop: (p) => p.flop,
  focus: (p) => p.focus,
};

interface PlanCase {
  query: string;
  /** Defaults: displayed 800x600, one page, no alpha. */
  source: Partial<SourceInfo> & { format: string };
  expect?: Record<string, unknown>;
  /** A 422 with exactly this message. */
  rejects?: string;
}

const sourceOf = (c: PlanCase): SourceInfo => ({ pages: 1, hasAlpha: false, displayed: { width: 800, height: 600 }, ...c.source });

for (const c of fixture<{ cases: PlanCase[] }>('plan-cases.json').cases) {
  const source = sourceOf(c);
  test(`plan: ?${c.query} on ${source.format} ${source.displayed.width}x${source.displayed.height} (${source.pages} page(s)${source.hasAlpha ? ', alpha' : ''})`, () => {
    const transform = parseCanonical(c.query, DEFAULT_CONFIG);
    assert.ok(transform, `${c.query} is canonical`);
    assert.ok((c.expect === undefined) !== (c.rejects === undefined), 'a case has either expect or rejects');
    if (c.rejects !== undefined) {
      try {
        planTransform(transform!, source, DEFAULT_CONFIG);
        assert.unreachable('should have thrown');
      } catch (error) {
        assert.ok(isResizerError(error) && error.status === 422, String(error));
        assert.is((error as Error).message, c.rejects);
      }
      return;
    }
    const plan = planTransform(transform!, source, DEFAULT_CONFIG);
    for (const key of Object.keys(c.expect!)) {
      assert.ok(VIEW[key], `plan-cases.json: unknown expect key "${key}" (known: ${Object.keys(VIEW).join(', ')})`);
      assert.equal(VIEW[key](plan) ?? null, c.expect![key], `${key} (null: absent)`);
    }
    if (plan.format === 'png' || plan.format === 'gif') assert.is(plan.quality, undefined, 'no quality for lossless formats');
  });
}

test('plan: never enlarges by default, and does when config allows it', () => {
  const transform = parseCanonical('w=200&f=webp', DEFAULT_CONFIG)!;
  const source = { format: 'jpeg', pages: 1, hasAlpha: false, displayed: { width: 100, height: 80 } };
  assert.is(planTransform(transform, source, DEFAULT_CONFIG).resize?.withoutEnlargement, true);
  assert.is(planTransform(transform, source, configWith({ allowEnlargement: true })).resize?.withoutEnlargement, false);
});

test('plan: f=source falls back to an allowed output when the source format is not one', () => {
  const config = configWith({ formats: { outputs: ['jpeg', 'png'] } });
  const transform = parseCanonical('w=200&f=source', config)!;
  assert.is(planTransform(transform, { format: 'webp', pages: 1, hasAlpha: false, displayed: { width: 10, height: 10 } }, config).format, 'jpeg');
  assert.is(planTransform(transform, { format: 'webp', pages: 1, hasAlpha: true, displayed: { width: 10, height: 10 } }, config).format, 'png');
});

test.run();
