// "Never larger for nothing": a variant that comes out larger than its original, when the
// original already has the variant's pixels and a format every requester of the key decodes,
// is replaced by the original's bytes.
import type { OutputFormat } from '../../shared/formats';
import type { TransformPlan } from '../../shared/plan';
import { OPERATIONS } from './operations';
import type { InspectedSource, Rendered } from './transform';

/** The output format a source already is (sharp's decoder names); heif is left out: not every browser decodes it. */
const SERVABLE_AS: Readonly<Record<string, OutputFormat>> = { jpeg: 'jpeg', png: 'png', webp: 'webp', gif: 'gif' };
/** Formats every browser decodes, whatever the key asked for. */
const UNIVERSAL: readonly OutputFormat[] = ['jpeg', 'png', 'gif'];
/** The steps that leave the pixels alone when the size does not change. */
const SIZE_ONLY = ['resize', 'encode'];

/** The original's format name when its bytes should be served instead of `rendered`, else null. */
export function originalInstead(inputBytes: number, source: InspectedSource, plan: TransformPlan, rendered: Rendered): OutputFormat | null {
  const format = SERVABLE_AS[source.format];
  if (!format || rendered.data.length <= inputBytes) return null;
  if (format !== plan.format && UNIVERSAL.indexOf(format) < 0) return null;
  // Any other operation (crop, rotate, blur, gray…) changes the pixels even at the same size.
  for (const name of Object.keys(OPERATIONS) as Array<keyof typeof OPERATIONS>) {
    if (plan.transform[name] !== undefined && SIZE_ONLY.indexOf(OPERATIONS[name]) < 0) return null;
  }
  // Same pixels: same displayed size, nothing flattened, no frames dropped or kept differently.
  if (source.orientation !== undefined && source.orientation !== 1) return null;
  if (rendered.width !== source.width || rendered.height !== source.height || plan.flatten) return null;
  if (source.pages !== rendered.pages) return null;
  return format;
}
