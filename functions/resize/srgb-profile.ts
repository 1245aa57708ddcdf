// Whether an embedded ICC profile is plain sRGB. sharp converts every tagged source through its
// profile to sRGB with lcms (the "device-independent colour space" step of its pipeline), on
// every pixel decoded, before the resize: for a source that is already sRGB that pass changes no
// pixel and is the largest single cost of the miss (1.jpeg to 640 px webp: 68 ms of CPU with it,
// 49 without; docs/performance.md, "Tagged sRGB sources"). The resizer decodes such a source as
// untagged sRGB instead (sharp's ignoreIcc), and applies every other profile as before.
//
// "Plain sRGB" is read from what lcms would compute with, not from the profile's name: an RGB
// matrix/TRC profile (no lookup tables, which lcms would prefer for sharp's perceptual intent)
// whose D50 colorants are sRGB's and whose three tone curves are the sRGB curve, each within
// half an 8-bit step. Anything else, or anything unreadable, is applied as sharp always did.
// Pure: the profile's bytes in, a boolean out (test/functions/resize/srgb-profile.test.ts).

/** sRGB's primaries adapted to D50 (IEC 61966-2-1, Bradford), as ICC profiles state them. */
const SRGB_COLORANTS: Readonly<Record<string, readonly [number, number, number]>> = {
  rXYZ: [0.4361, 0.2225, 0.0139],
  gXYZ: [0.3851, 0.7169, 0.0971],
  bXYZ: [0.1431, 0.0606, 0.7141],
};
/** How far a colorant may be from sRGB's: profiles in use differ by rounding (up to about 0.0005). */
const COLORANT_TOLERANCE = 0.0015;
/** How far a tone curve may be from sRGB's, anywhere on 0..1: half an 8-bit step. */
const CURVE_TOLERANCE = 0.5 / 255;
const CURVE_SAMPLES = 256;
const TRC_TAGS = ['rTRC', 'gTRC', 'bTRC'] as const;
/** Tags whose presence makes lcms convert through lookup tables rather than the matrix and curves. */
const LUT_TAGS = new Set(['A2B0', 'A2B1', 'A2B2', 'B2A0', 'B2A1', 'B2A2', 'D2B0', 'D2B1', 'D2B2', 'B2D0', 'B2D1', 'B2D2']);

/** The sRGB transfer function (encoded value to linear light). */
function srgbToLinear(x: number): number {
  return x <= 0.04045 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
}

interface Tag { readonly offset: number; readonly size: number }

function readTags(view: DataView): Map<string, Tag> | undefined {
  if (view.byteLength < 132) return undefined;
  const count = view.getUint32(128);
  if (count > 200 || 132 + count * 12 > view.byteLength) return undefined;
  const tags = new Map<string, Tag>();
  for (let i = 0; i < count; i++) {
    const at = 132 + i * 12;
    const offset = view.getUint32(at + 4);
    const size = view.getUint32(at + 8);
    if (offset + size > view.byteLength || size < 8) return undefined;
    tags.set(ascii(view, at, 4), { offset, size });
  }
  return tags;
}

function ascii(view: DataView, at: number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(view.getUint8(at + i));
  return text;
}

function s15Fixed16(view: DataView, at: number): number {
  return view.getInt32(at) / 65536;
}

function colorantIsSrgb(view: DataView, tag: Tag | undefined, expected: readonly number[]): boolean {
  if (!tag || tag.size < 20 || ascii(view, tag.offset, 4) !== 'XYZ ') return false;
  return expected.every((value, i) => Math.abs(s15Fixed16(view, tag.offset + 8 + i * 4) - value) <= COLORANT_TOLERANCE);
}

/** A tone curve as a function on 0..1, or undefined when it is not one this reads. */
function toneCurve(view: DataView, tag: Tag): ((x: number) => number) | undefined {
  const type = ascii(view, tag.offset, 4);
  if (type === 'curv') {
    const count = view.getUint32(tag.offset + 8);
    if (tag.size < 12 + count * 2) return undefined;
    if (count === 0) return (x) => x;
    if (count === 1) {
      const gamma = view.getUint16(tag.offset + 12) / 256;
      return (x) => Math.pow(x, gamma);
    }
    return (x) => {
      const position = x * (count - 1);
      const i = Math.min(Math.floor(position), count - 2);
      const a = view.getUint16(tag.offset + 12 + i * 2) / 65535;
      const b = view.getUint16(tag.offset + 14 + i * 2) / 65535;
      return a + (b - a) * (position - i);
    };
  }
  if (type === 'para') {
    const kind = view.getUint16(tag.offset + 8);
    const arity = [1, 3, 4, 5, 7][kind];
    if (arity === undefined || tag.size < 12 + arity * 4) return undefined;
    const [g, a, b, c, d, e, f] = Array.from({ length: arity }, (_, i) => s15Fixed16(view, tag.offset + 12 + i * 4));
    const power = (x: number) => { const base = a * x + b; return base > 0 ? Math.pow(base, g) : 0; };
    switch (kind) {
      case 0: return (x) => Math.pow(x, g);
      case 1: return (x) => (x >= -b / a ? power(x) : 0);
      case 2: return (x) => (x >= -b / a ? power(x) + c : c);
      case 3: return (x) => (x >= d ? power(x) : c * x);
      default: return (x) => (x >= d ? power(x) + e : c * x + f);
    }
  }
  return undefined;
}

function curveIsSrgb(view: DataView, tag: Tag | undefined): boolean {
  const curve = tag && toneCurve(view, tag);
  if (!curve) return false;
  for (let i = 0; i <= CURVE_SAMPLES; i++) {
    const x = i / CURVE_SAMPLES;
    if (!(Math.abs(curve(x) - srgbToLinear(x)) <= CURVE_TOLERANCE)) return false;
  }
  return true;
}

/**
 * Whether the resizer decodes a source without applying its embedded profile, from its header:
 * there is none, or the pixels are RGB and the profile is plain sRGB. An sRGB profile on CMYK or
 * grey data is left to sharp. The one rule for the resizer (transform.ts) and the bench's floor.
 */
export function decodesAsUntaggedSrgb(header: { readonly icc?: Uint8Array; readonly space?: string }): boolean {
  return !header.icc || (header.space === 'srgb' && isPlainSrgbProfile(header.icc));
}

/**
 * True when converting through this ICC profile to sRGB changes nothing (see above). Never
 * throws: the profile is the source's bytes, and a tag cut short reads past its end (DataView
 * throws a RangeError), which means "not plain sRGB", not a failed miss.
 */
export function isPlainSrgbProfile(profile: Uint8Array): boolean {
  try {
    return readsAsPlainSrgb(new DataView(profile.buffer, profile.byteOffset, profile.byteLength));
  } catch {
    return false;
  }
}

function readsAsPlainSrgb(view: DataView): boolean {
  const tags = readTags(view);
  if (!tags || ascii(view, 16, 4) !== 'RGB ' || ascii(view, 20, 4) !== 'XYZ ') return false;
  for (const name of tags.keys()) if (LUT_TAGS.has(name)) return false;
  return Object.entries(SRGB_COLORANTS).every(([name, xyz]) => colorantIsSrgb(view, tags.get(name), xyz))
    && TRC_TAGS.every((name) => curveIsSrgb(view, tags.get(name)));
}
