import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCanonical } from '../../shared/canonical';
import { DEFAULT_CONFIG } from '../../shared/config';
import { planTransform, type SourceInfo } from '../../shared/plan';
import { configWith } from '../helpers/config';
import { fixture } from '../helpers/fixtures';

interface PlanCase {
  query: string;
  source: SourceInfo;
  expect: { format?: string; quality?: number; animated?: boolean; flatten?: boolean; fit?: string; position?: string; resize?: boolean };
}

for (const c of fixture<{ cases: PlanCase[] }>('plan-cases.json').cases) {
  test(`plan: ?${c.query} on ${c.source.format} (${c.source.pages} page(s)${c.source.hasAlpha ? ', alpha' : ''})`, () => {
    const transform = parseCanonical(c.query, DEFAULT_CONFIG);
    assert.ok(transform, `${c.query} is canonical`);
    const plan = planTransform(transform!, c.source, DEFAULT_CONFIG);
    if (c.expect.format !== undefined) assert.is(plan.format, c.expect.format);
    if ('quality' in c.expect) assert.is(plan.quality, c.expect.quality);
    if (c.expect.format === 'png' || c.expect.format === 'gif') assert.is(plan.quality, undefined, 'no quality for lossless formats');
    if (c.expect.animated !== undefined) assert.is(plan.animated, c.expect.animated);
    if (c.expect.flatten !== undefined) assert.is(plan.flatten !== undefined, c.expect.flatten);
    if (c.expect.fit !== undefined) assert.is(plan.resize?.fit, c.expect.fit);
    if (c.expect.position !== undefined) assert.is(plan.resize?.position, c.expect.position);
    if (c.expect.resize !== undefined) assert.is(plan.resize !== undefined, c.expect.resize);
  });
}

test('plan: never enlarges by default, and does when config allows it', () => {
  const transform = parseCanonical('w=200&f=webp', DEFAULT_CONFIG)!;
  const source = { format: 'jpeg', pages: 1, hasAlpha: false };
  assert.is(planTransform(transform, source, DEFAULT_CONFIG).resize?.withoutEnlargement, true);
  assert.is(planTransform(transform, source, configWith({ allowEnlargement: true })).resize?.withoutEnlargement, false);
});

test('plan: f=source falls back to an allowed output when the source format is not one', () => {
  const config = configWith({ formats: { outputs: ['jpeg', 'png'] } });
  const transform = parseCanonical('w=200&f=source', config)!;
  assert.is(planTransform(transform, { format: 'webp', pages: 1, hasAlpha: false }, config).format, 'jpeg');
  assert.is(planTransform(transform, { format: 'webp', pages: 1, hasAlpha: true }, config).format, 'png');
});

test.run();
