// Only an explicit `image/webp` or `image/avif` entry counts as acceptance: browsers that
// send `image/*` or `*/*` do not reliably decode either format.

export type NegotiableType = 'image/webp' | 'image/avif';

/** An entry's last `q` parameter (parameters after the first `;`). */
const Q = /.*;\s*q=([^;]*)/;

/** True when `accept` names `type` explicitly with a non-zero q. Any `q=0` entry refuses it. */
export function acceptsExplicitly(accept: string | undefined, type: NegotiableType): boolean {
  let accepted = false;
  // No header is one empty entry, which names no type. Media types and parameter names are case-insensitive.
  const entries = (accept || '').toLowerCase().split(',');
  for (let i = 0; i < entries.length; i++) {
    if (entries[i].split(';')[0].trim() !== type) continue;
    // The last `q=` parameter counts; one that is not a number counts as 1 (NaN <= 0 is false).
    const q = Q.exec(entries[i]);
    if (q && Number(q[1]) <= 0) return false;
    accepted = true;
  }
  return accepted;
}
