// The Lambda@Edge normalizer's signing keys. Lambda@Edge has no environment variables, so the
// build replaces this module with the keys read from SIGNING_KEYS_FILE (scripts/build.ts);
// unbuilt (tsx) there are none. The CloudFront Functions build never imports it: it reads the
// keys from its KeyValueStore on each signed request, so rotating needs no deploy.
export const bakedSigningKeys: readonly string[] = [];
