// The words of docs/url-api.md for each parameter row of shared/params.ts, kept apart so that the
// normalizer bundles (which carry PARAMS) stay small. Keyed by the table's names: a row
// without its words does not compile.
import type { ParamName } from './params';

export interface ParamDoc {
  /** What an absent parameter means. */
  readonly default: string;
  /** When the fold rule drops it from the canonical query. */
  readonly folds?: string;
  readonly summary: string;
}

export const PARAM_DOCS: { readonly [K in ParamName]: ParamDoc } = {
  w: {
    default: 'source width',
    summary: 'Width in pixels. Out of range is clamped. Alone, keeps the aspect ratio. With config `widths`, snaps up to the next listed width (capped at the largest).',
  },
  h: {
    default: 'source height',
    summary: 'Height in pixels. Out of range is clamped. Alone, keeps the aspect ratio. With config `widths` and a `w`, the snapped `w` times the requested `h`/`w`; alone, not snapped.',
  },
  f: {
    default: '`auto`',
    summary: 'Output format. `auto` (or absent): avif if enabled in config and accepted, else webp if accepted, else the source format. `source` always keeps the source format. `json` answers facts instead of the image (see [The info endpoint](client.md#the-info-endpoint)); `auto` never picks it. Always in the canonical query, resolved.',
  },
  q: {
    default: 'per format (`quality`)',
    folds: 'for png and gif, and at the format\'s default',
    summary: 'Quality for jpeg, webp and avif. Out of range is clamped. With config `qualities`, snaps to the nearest listed value.',
  },
  fit: {
    default: '`cover`',
    folds: 'unless both `w` and `h` are given (but `fill` with one of them stays: it stretches that side alone); `cover`',
    summary: 'How the image fits `w`x`h`, as sharp defines it.',
  },
  pos: {
    default: '`center`',
    folds: 'unless both `w` and `h` are given; for `fill`, `inside` and `outside`; smart crops for `contain`; `center` (and `0.5,0.5`)',
    summary: 'Crop anchor for `cover` (and placement for `contain`); `attention` and `entropy` are smart crops (`cover` only); a focal point `x,y` (fractions of the width and height, `cover` only) keeps that point as close to the centre of the crop as the image allows.',
  },
  rot: {
    default: '0',
    folds: '0 (and 360, -360…)',
    summary: 'Clockwise rotation after EXIF orientation and before resizing, so `w` and `h` describe the rotated image; `-90` is `270`, `450` is `90`.',
  },
  flip: {
    default: 'none',
    folds: '`hv` into `rot` + 180; `v` into `rot` + 180 with `h` (one spelling for each of the 8 orientations)',
    summary: '`h` mirrors left-right, `v` top-bottom, after rotation.',
  },
  bg: {
    default: 'white for outputs without alpha, transparent otherwise',
    folds: 'without a `contain` box when the output keeps alpha (and for `source` when png is an output); at the default colour (`ffffff` without alpha, `00000000` with it; not for `source`); its alpha for outputs without alpha',
    summary: 'Colour of the `fit=contain` letterbox and of the flattening of transparency for outputs without alpha. Case-insensitive; `fff` is `ffffff`, `ffffffff` is `ffffff`.',
  },
  blur: {
    default: '0',
    folds: '0',
    summary: 'Gaussian blur sigma, after resizing; rounded to one decimal.',
  },
  sharpen: {
    default: '0',
    folds: '0',
    summary: 'Sharpening sigma, after resizing; rounded to one decimal.',
  },
  gray: {
    default: '`0`',
    folds: '`0`',
    summary: '`1`: greyscale output.',
  },
  rect: {
    default: 'the whole image',
    summary: 'Crop `x,y,w,h` of the source in pixels (after EXIF orientation), before everything else. A rectangle reaching past the image is clipped to it; one wholly outside is 422, naming the source size.',
  },
  anim: {
    default: '`1`',
    folds: '`1`; unless the output could animate (gif, webp, `source`)',
    summary: '`0`: the first frame only.',
  },
  pad: {
    default: '0',
    summary: 'After resizing, this many pixels of `bg` on every side (white for outputs without alpha, transparent otherwise): the output is `2 × pad` wider and taller.',
  },
  trim: {
    default: 'none',
    summary: 'Removes the uniform border right after EXIF orientation: every edge whose pixels differ from the top-left pixel by less than this threshold (sharp\'s `trim`), so `rect`, `w`, `h` and a focal point describe the trimmed image. A source that is all border is served whole; an animation is 422 (`anim=0` takes its first frame).',
  },
  brightness: {
    default: '1',
    folds: '1',
    summary: 'Lightness multiplier (sharp\'s `modulate`), 0 to 4 with two decimals: `0.5` darker, `1.5` brighter.',
  },
  contrast: {
    default: '1',
    folds: '1',
    summary: 'Contrast multiplier, 0 to 4 with two decimals: a linear stretch of each colour channel around mid-grey, `c × (v − 128) + 128`, clipped; `0` is flat grey.',
  },
  saturation: {
    default: '1',
    folds: '1; with `gray=1`',
    summary: 'Saturation (chroma) multiplier (sharp\'s `modulate`), 0 to 4 with two decimals: `0` removes colour but, unlike `gray=1`, keeps three channels and converts after the resize, so the two are different outputs (tested).',
  },
  wm: {
    default: 'none',
    summary: 'A watermark of config `watermarks`: its overlay image drawn last, before encoding, on every frame, at the entry\'s gravity, width, opacity and margin. An unknown name is 400 naming the known ones; a missing or undecodable overlay is 422 naming its key, never the image without it.',
  },
  dpr: {
    default: '1',
    summary: 'Device pixel ratio: snaps up to config `densities` (1, 2, 3 under `presetsOnly` without them), multiplies `w` and `h` before clamping (and before `widths` snapping), then leaves the canonical query. Out of range is clamped.',
  },
  p: {
    default: 'none',
    summary: 'A preset of config `presets`: expands to its parameters, and the URL\'s own parameters override them; never in the canonical query, so `p=card` and its spelled-out form share one cache key. An unknown name is 400.',
  },
};
