// Where the construct finds its bundle templates: in this repository, cdk/dist/assets (written
// by `npm run build`); in the packed @edge-image-resizer/cdk, the package build replaces this
// module with the assets folder beside the package's own code (scripts/build-cdk.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ASSETS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cdk/dist/assets');
