// An Ultra HDR source's gain map, transformed on its own: the plan that renders the primary,
// scaled to the gain map's resolution (a quarter of the primary's on each side is usual). Pure.
// It does what sharp's keepGainMap() does to the gain map (the same crop, turn, mirrors, resize,
// letterbox, padding scaled to it and blur; no sharpening, and the letterbox's and padding's gain
// is 0), with one difference: the blur's sigma is scaled with the image too, so both are blurred
// over the same part of the picture.
import type { Box, TransformPlan } from '../../shared/plan';
import { shrinkBox, type Size } from './budget';

/** Gain map pixels per primary pixel along each displayed axis (after EXIF orientation). */
export interface GainMapScale {
  readonly x: number;
  readonly y: number;
}

/** The gain map's letterbox: no gain, as sharp's keepGainMap() embeds it. */
const NO_GAIN = { r: 0, g: 0, b: 0, alpha: 1 };

/** sharp's least blur sigma. */
const MIN_BLUR = 0.3;

function scaledSide(side: number | undefined, scale: number): number | undefined {
  return side === undefined ? undefined : Math.max(1, Math.round(side * scale));
}

/**
 * The plan for the gain map of a source whose displayed size is `source`, given the primary's
 * plan (one that keeps the gain map: no rect with rot, no smart crop, no gray).
 */
export function gainMapPlan(plan: TransformPlan, source: Size, scale: GainMapScale): TransformPlan {
  const map: Size = { width: Math.max(1, Math.round(source.width * scale.x)), height: Math.max(1, Math.round(source.height * scale.y)) };
  const crop: Box | undefined = plan.crop && shrinkBox(plan.crop, scale.x, scale.y, map);
  // After a quarter turn the output's x runs along the source's y.
  const quarter = plan.rotate === 90 || plan.rotate === 270;
  const sx = quarter ? scale.y : scale.x;
  const sy = quarter ? scale.x : scale.y;
  const cropped = crop || map;
  const input = quarter ? { width: cropped.height, height: cropped.width } : { width: cropped.width, height: cropped.height };
  const resize = plan.resize && { ...plan.resize, width: scaledSide(plan.resize.width, sx), height: scaledSide(plan.resize.height, sy), background: NO_GAIN };
  // A focal point's box lies in the resized image, which the plan sizes exactly (fit fill).
  const focus = plan.focus && resize && shrinkBox(plan.focus, sx, sy, { width: resize.width!, height: resize.height! });
  const blur = plan.transform.blur;
  const padSize = plan.pad ? Math.round(plan.pad.size * (sx + sy) / 2) : 0;
  return {
    ...plan,
    transform: { ...plan.transform, blur: blur ? Math.max(MIN_BLUR, blur * (sx + sy) / 2) : blur, sharpen: undefined, gray: undefined },
    format: 'jpeg', input, crop, resize, focus, flatten: undefined, keepGainMap: false,
    pad: padSize > 0 ? { size: padSize, background: NO_GAIN } : undefined,
  };
}
