// Entry of the CloudFront Functions build: it has no exports, so the bundle needs no module
// helpers, and it hands the handler to the top-level `handler` the build's footer declares.
// The build's banner imports the runtime's modules as `cfCrypto` ('crypto') and `cf`
// ('cloudfront'); this file only names them.
import { bakedConfig } from '../../shared/baked-config';
import { activeKeys, KEY_VALUE_STORE_KEY } from '../../shared/signing';
import { createCffHandler } from './cloudfront-function';

interface CffHmac { update(data: string): { digest(encoding: 'base64url'): string } }
declare const cfCrypto: { createHmac(algorithm: 'sha256', key: string): CffHmac };
declare const cf: { kvs(): { get(key: string): Promise<string> } };

declare global {
  // eslint-disable-next-line no-var
  var normalizerHandler: ReturnType<typeof createCffHandler>;
}

normalizerHandler = createCffHandler(bakedConfig, {
  hmac: (key, message) => cfCrypto.createHmac('sha256', key).update(message).digest('base64url'),
  // One KeyValueStore read per signed request, so a rotation is live within the store's
  // propagation time. A missing entry means no keys: every signature is refused.
  keys: async () => {
    try {
      const value = await cf.kvs().get(KEY_VALUE_STORE_KEY);
      return activeKeys(value);
    } catch (_) {
      return [];
    }
  },
  now: () => Math.floor(Date.now() / 1000),
});
