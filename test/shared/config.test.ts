import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG, NORMALIZER_KEYS, normalizerConfig, parseConfig } from '../../shared/config';
import { bakedConfig } from '../../shared/baked-config';

const BAD: Array<[unknown, string]> = [
  [{ maxDimension: 'big' }, 'config key maxDimension must be an integer from 1 to 16383, got "big"'],
  [{ maxDimension: 20000 }, 'config key maxDimension must be an integer from 1 to 16383, got 20000'],
  [{ maxDimenson: 100 }, 'config key maxDimenson must be one of the known keys'],
  [{ formats: { outputs: ['jpeg', 'bmp'] } }, 'config key formats.outputs[1] must be one of jpeg, png, webp, avif, gif, got "bmp"'],
  [{ formats: { outputs: [] } }, 'config key formats.outputs must be a non-empty list, each one of jpeg, png, webp, avif, gif, got []'],
  [{ formats: { autoAvif: 'yes' } }, 'config key formats.autoAvif must be true or false, got "yes"'],
  [{ quality: { webp: 0 } }, 'config key quality.webp must be an integer from 1 to 100, got 0'],
  [{ cors: { allowedOrigins: ['example.com'] } }, 'config key cors.allowedOrigins[0] must be an origin like "https://www.example.com", or "*", got "example.com"'],
  [{ cors: { allowedOrigins: ['*', 'https://a.example'] } }, 'config key cors.allowedOrigins must be either ["*"] or a list of origins, not both'],
  [{ behaviors: ['prod'] }, 'config key behaviors[0] must be a path pattern like "prod/*", got "prod"'],
  [{ deploy: { originShieldRegion: 'Frankfurt' } }, 'config key deploy.originShieldRegion must be null or an AWS region like "us-east-1", got "Frankfurt"'],
  [{ deploy: { domain: 'images.example.com' } }, 'config key deploy.domain must be an object, got "images.example.com"'],
  [{ deploy: { domain: { names: ['images.example.com'], zone: 'Z1' } } }, 'config key deploy.domain.zone must be one of the known keys (names, certificateArn, hostedZoneId)'],
  [{ deploy: { accessLogs: 'yes' } }, 'config key deploy.accessLogs must be true or false, got "yes"'],
  [{ deploy: { metricsRegions: ['Frankfurt'] } }, 'config key deploy.metricsRegions[0] must be an AWS region like "eu-west-1", got "Frankfurt"'],
  [{ deploy: { alarmEmail: 'ops' } }, 'config key deploy.alarmEmail must be null or an email address, got "ops"'],
  [[], 'the config must be an object, got []'],
];

for (const [raw, message] of BAD) {
  test(`config: rejects ${JSON.stringify(raw)}`, () => {
    try {
      parseConfig(raw);
      assert.unreachable('should have thrown');
    } catch (error) {
      assert.ok((error as Error).message.startsWith(message), (error as Error).message);
      assert.not.match((error as Error).message, /\n/);
    }
  });
}

test('config: missing keys take defaults and the result is frozen', () => {
  const config = parseConfig({ maxDimension: 2000 });
  assert.is(config.maxDimension, 2000);
  assert.is(config.quality.webp, DEFAULT_CONFIG.quality.webp);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.formats.outputs));
});

test('config: the production options are off by default; an empty metricsRegions list means the price class\'s', () => {
  const { deploy } = DEFAULT_CONFIG;
  assert.equal([deploy.domain, deploy.accessLogs, deploy.waf, deploy.alarmEmail], [null, false, null, null]);
  assert.equal(deploy.metricsRegions, []);
  assert.equal(parseConfig({ deploy: { metricsRegions: [] } }).deploy.metricsRegions, []);
  assert.equal(parseConfig({ deploy: { waf: {} } }).deploy.waf, { rateLimit: 2000 });
});

test('config: bakedConfig is the shipped resizer.config.json, every key as the file spells it', () => {
  const file = JSON.parse(readFileSync(new URL('../../resizer.config.json', import.meta.url), 'utf8'));
  assert.equal(bakedConfig, parseConfig(file));
  // Each leaf of the file reaches the config unchanged (the build's own baking is tested in test/scripts/build.test.ts).
  const walk = (raw: Record<string, unknown>, baked: Record<string, unknown>, at: string) => {
    for (const [key, value] of Object.entries(raw)) {
      if (value && typeof value === 'object' && !Array.isArray(value)) walk(value as Record<string, unknown>, baked[key] as Record<string, unknown>, `${at}${key}.`);
      else assert.equal(baked[key], value, `${at}${key}`);
    }
  };
  walk(file, bakedConfig as unknown as Record<string, unknown>, '');
});

test('config: the normalizer\'s part is only the keys it reads', () => {
  const part = normalizerConfig(DEFAULT_CONFIG);
  assert.equal(Object.keys(part).sort(), [...NORMALIZER_KEYS].sort());
  assert.equal(part.formats, DEFAULT_CONFIG.formats);
  assert.ok(Object.isFrozen(part));
});

test.run();
