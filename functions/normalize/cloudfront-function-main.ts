// Entry of the CloudFront Functions build: it has no exports, so the bundle needs no module
// helpers, and it hands the handler to the top-level `handler` the build's footer declares.
import { bakedConfig } from '../../shared/baked-config';
import { createCffHandler } from './cloudfront-function';

declare global {
  // eslint-disable-next-line no-var
  var normalizerHandler: ReturnType<typeof createCffHandler>;
}

normalizerHandler = createCffHandler(bakedConfig);
