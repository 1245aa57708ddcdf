// The normalizer's optional features, as the build keeps them. The CloudFront Function's script
// may be at most 10 KB, so its build keeps only the code of the features its config turns on:
// esbuild replaces NORMALIZER_FEATURES.<name> by the config's true or false and drops the dead
// code (scripts/build.ts, which also empties this module). Everywhere else (tests, the local
// edge, the resizer) every feature is on. Behaviour is the same either way: a feature the config
// leaves off does nothing when its code is there.
declare global {
  // eslint-disable-next-line no-var
  var NORMALIZER_FEATURES: {
    /** Signed URLs (config `signing.enabled`). */
    readonly signing: boolean;
    /** What config bounds by name or list: width, quality and density allowlists, allowedParams, presets and presetsOnly, and watermark names (config `widths`, `qualities`, `densities`, `allowedParams`, `presets`, `watermarks`). */
    readonly allowlists: boolean;
  };
}

globalThis.NORMALIZER_FEATURES = globalThis.NORMALIZER_FEATURES || { signing: true, allowlists: true };

export {};
