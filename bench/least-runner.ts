// The least a miss can take with the handler's own parts, beside ours as Lambda runs it: our S3
// reader's GET of the original (fetchSource, the handler's), the handler's own header read
// (openSource: the decoder options and metadata() its plan and encode budget need before anything
// is decoded) and the floor's sharp call on those bytes (floor-transform.ts). No event, plan,
// budget, deadline, base64, headers or log line. Its process loads the built bundle first and
// nothing of the AWS SDK, so glibc's allocator and sharp's settings are those of ours' process
// (functions/resize/allocator.ts; transform.ts, imported here, sets them again to the same).
// A handler made of these parts cannot answer a miss in less; what ours takes beyond it is its own cost.
// The `fastest` lane is the same with the format's fastest encoder (fastestTransform): what a
// handler with our reader, header read, decoding and kernel cannot take less than, whatever its
// encoder settings at our quality.
import { createRequire } from 'node:module';
import path from 'node:path';
import { DEFAULT_CONFIG } from '../shared/config';
import { fetchSource } from '../functions/resize/source';
import { openSource } from '../functions/resize/transform';
import { fastestTransform, floorTransform } from './floor-transform';
import type { PipelineSetup, RunCase } from './pipelines';

export function leastRunner(setup: PipelineSetup, encoder: 'ours' | 'fastest'): RunCase {
  // Loaded for its side effects on this process only: the allocator settled, libvips' cache off.
  createRequire(import.meta.url)(path.join(setup.root, 'dist/resize/index.js'));
  const location = (key: string) => ({ bucket: setup.bucket, key, region: 'us-east-1', endpoint: setup.s3.endpoint, credentials: setup.s3.credentials });
  return async (spec) => {
    const input = await fetchSource(location(spec.key), DEFAULT_CONFIG.maxInputBytes);
    await openSource(input);
    const bytes = encoder === 'ours' ? await floorTransform(input, spec.geometry, spec.format, spec.pixels, spec.decoding) : await fastestTransform(input, spec.geometry, spec.format, spec.decoding);
    return { bytes };
  };
}
