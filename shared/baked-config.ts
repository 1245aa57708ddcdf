// The project's config as the functions see it. The build replaces this module with the
// already-validated, frozen object (see scripts/build.ts), so the edge bundles carry no
// file access and no validation code; under tsx (tests, local edge, CDK) it validates here.
import raw from '../resizer.config.json' with { type: 'json' };
import { parseConfig, type Config } from './config';

export const bakedConfig: Config = parseConfig(raw);
