// The client and config `presets` (issue 10 §2): imageUrl keeps `p` as the preset's one
// spelling plus only the overrides that differ from it, so an edge with `presetsOnly` accepts
// its URLs; with presetsOnly the client refuses what that edge refuses, with the edge's own
// line. Checked against the local edge with both normalizer builds built with the config.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { edgeConfig } from '../../client/src/config';
import { imageUrl, srcset } from '../../client/src/index';
import type { EmbeddedS3 } from '../../infra/local/s3-server';
import { configWith } from '../helpers/config';
import { decode } from '../helpers/images';
import { startEdgePair, startSampleS3, type EdgePair } from '../helpers/sample-edges';

const PRESETS = {
  widths: [64, 128, 256, 400, 640, 1080],
  presets: { card: 'w=400&h=300&fit=cover', thumb: 'w=160&h=160&fit=cover&f=webp&q=60' },
};
const open = edgeConfig(PRESETS);
const only = edgeConfig({ ...PRESETS, presetsOnly: true });
const BASE = 'https://images.example.com/dev';

function thrown(fn: () => unknown): Error & { status?: number } {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
}

const unit = suite('client presets');

unit('p stays p, with only the overrides that differ from the preset, in table order', () => {
  assert.is(imageUrl(BASE, 'photo.jpg', { p: 'card' }, { config: only }), `${BASE}/photo.jpg?p=card`);
  assert.is(imageUrl(BASE, 'photo.jpg', { p: 'card', dpr: 2, f: 'auto' }, { config: only }), `${BASE}/photo.jpg?dpr=2&p=card`, 'f=auto without a preset f is a no-op');
  assert.is(imageUrl(BASE, 'photo.jpg', { p: 'card', dpr: 1 }, { config: only }), `${BASE}/photo.jpg?p=card`, 'dpr=1 is a no-op');
  assert.is(imageUrl(BASE, 'photo.jpg', { p: 'thumb', f: 'auto' }, { config: only }), `${BASE}/photo.jpg?f=auto&p=thumb`, 'f=auto overrides the preset\'s webp');
  assert.is(imageUrl(BASE, 'photo.jpg', { fit: 'cover', w: 400, p: 'card' }, { config: open }), `${BASE}/photo.jpg?p=card`, 'overrides equal to the preset drop');
  assert.is(imageUrl(BASE, 'photo.jpg', { p: 'card', fit: 'contain', w: 200 }, { config: open }), `${BASE}/photo.jpg?w=200&fit=contain&p=card`);
});

unit('with presetsOnly, the client refuses what the edge refuses, with the same line', () => {
  const error = thrown(() => imageUrl(BASE, 'photo.jpg', { p: 'card', w: 200 }, { config: only }));
  assert.is(error.status, 403);
  assert.is(error.message, 'w is not allowed here: this site serves presets only (p, one of card, thumb; with dpr and f=auto), got "w=200"');
  assert.is(thrown(() => imageUrl(BASE, 'photo.jpg', { p: 'nope' as never }, { config: only })).status, 400, 'an unknown preset');
  assert.is(thrown(() => srcset('photo.jpg', { base: BASE, config: only, params: { p: 'card' } })).status, 403, 'a srcset varies w, which presetsOnly refuses');
});

unit('srcset with a preset names each candidate by the width the edge makes of it', () => {
  assert.is(srcset('photo.jpg', { base: BASE, config: open, widths: [100, 300], params: { p: 'card' } }), `${BASE}/photo.jpg?w=100&p=card 128w, ${BASE}/photo.jpg?w=300&p=card 400w`);
});

unit.run();

const edge = suite<{ s3: EmbeddedS3; pair: EdgePair }>('client presets against the local edge with presetsOnly, both builds', {} as never);

edge.before(async (context) => {
  context.s3 = await startSampleS3();
  context.pair = await startEdgePair(context.s3, configWith({ ...PRESETS, presetsOnly: true }), { build: true });
});

edge.after(async ({ s3, pair }) => {
  if (pair) await pair.close();
  if (s3) await s3.stop();
});

edge('every URL the client makes for a preset is served, at the preset\'s size; the edge refuses what the client refuses', async ({ pair }) => {
  const cases: Array<[Parameters<typeof imageUrl>[2], { format: string; width: number; height: number }]> = [
    [{ p: 'card' }, { format: 'jpeg', width: 400, height: 300 }],
    [{ p: 'card', dpr: 2 }, { format: 'jpeg', width: 1080, height: 810 }], // 800x600 snaps up to the listed 1080
    [{ p: 'thumb' }, { format: 'webp', width: 256, height: 256 }], // 160 snaps up to 256
  ];
  for (const [runtime, local] of pair.edges) {
    for (const [params, expected] of cases) {
      const url = imageUrl(local.url + '/dev', 'photo.jpg', params, { config: only });
      const response = await fetch(url);
      assert.is(response.status, 200, `${runtime}: ${url}: ${response.status}`);
      const image = await decode(Buffer.from(await response.arrayBuffer()));
      assert.equal({ format: image.format, width: image.width, height: image.height }, expected, `${runtime}: ${url}`);
    }
    const refused = await fetch(`${local.url}/dev/photo.jpg?p=card&w=200`);
    assert.is(refused.status, 403, runtime);
    const message = thrown(() => imageUrl(local.url + '/dev', 'photo.jpg', { p: 'card', w: 200 }, { config: only })).message;
    assert.is((await refused.text()).trim(), message, `${runtime}: the same line`);
  }
});

edge.run();
