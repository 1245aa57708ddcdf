// Only an explicit `image/webp` or `image/avif` entry counts as acceptance: browsers that
// send `image/*` or `*/*` do not reliably decode either format.

export type NegotiableType = 'image/webp' | 'image/avif';

/** True when `accept` names `type` explicitly with a non-zero q. Any `q=0` entry refuses it. */
export function acceptsExplicitly(accept: string | undefined, type: NegotiableType): boolean {
  let accepted = false;
  // No header is one empty entry, which names no type.
  const entries = (accept || '').split(',');
  for (let i = 0; i < entries.length; i++) {
    const parts = entries[i].split(';');
    if (parts[0].trim().toLowerCase() !== type) continue;
    let q = 1;
    for (let j = 1; j < parts.length; j++) {
      const param = parts[j].trim().toLowerCase();
      if (param.slice(0, 2) === 'q=') {
        const value = Number(param.slice(2));
        q = isNaN(value) ? 1 : value;
      }
    }
    if (q <= 0) return false;
    accepted = true;
  }
  return accepted;
}
