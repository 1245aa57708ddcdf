// Watermarks (`wm=<name>`, config `watermarks`): the overlay image is read from the originals
// bucket through the one S3 reader, decoded once, and kept for the container's life; at most
// once a minute it is revalidated with If-None-Match, so a replaced overlay (a new version,
// a new ETag) is read again and an unchanged one costs a 304 and no bytes. Drawing it is the
// last step before encoding (transform.ts).
import sharp, { type OutputInfo } from 'sharp';
import type { Watermark } from '../../shared/config';
import { resizerError } from '../../shared/errors';
import { firstLine } from './invocation';
import { fetchObject, type SourceLocation } from './source';

/** The overlay decoded to raw RGBA (not premultiplied), at its own size. */
export interface Overlay {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

/** How long a read overlay is used before S3 is asked whether it changed. */
export const OVERLAY_RECHECK_MS = 60_000;
/** An overlay is a logo: far smaller than any original. */
export const OVERLAY_MAX_BYTES = 10 * 1024 * 1024;
export const OVERLAY_MAX_PIXELS = 16_000_000;

interface Cached { readonly overlay: Overlay; readonly etag?: string; checkedAt: number }

const overlays = new Map<string, Cached>();

function unavailable(name: string, watermark: Watermark, why: string): Error {
  return resizerError(422, 'bad_watermark', `wm=${name} needs its overlay ${watermark.key} (config watermarks.${name}.key) in the originals bucket, which ${why}`);
}

/**
 * The overlay of a `watermarks` entry. A missing, unreadable or undecodable overlay is a 422
 * naming the entry and its key: never the original without its watermark, never a 5xx.
 */
export async function loadOverlay(
  name: string, watermark: Watermark, bucket: Omit<SourceLocation, 'key'>, signal?: AbortSignal, now: () => number = Date.now,
): Promise<Overlay> {
  const id = `${bucket.endpoint || ''} ${bucket.bucket}/${watermark.key}`;
  const cached = overlays.get(id);
  if (cached && now() - cached.checkedAt < OVERLAY_RECHECK_MS) return cached.overlay;
  let fetched: Awaited<ReturnType<typeof fetchObject>>;
  try {
    fetched = await fetchObject({ ...bucket, key: watermark.key }, OVERLAY_MAX_BYTES, signal, cached && cached.etag);
  } catch (error) {
    // The invocation's deadline: its own answer (the handler's), not the overlay's.
    if (signal && signal.aborted) throw error;
    const status = (error as { status?: number }).status;
    throw unavailable(name, watermark, status === 404 || status === 403 ? `S3 does not have (${status})` : `could not be read (${firstLine(error)})`);
  }
  if (fetched === null) {
    cached!.checkedAt = now();
    return cached!.overlay;
  }
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(fetched.bytes, { failOn: 'error', limitInputPixels: OVERLAY_MAX_PIXELS, autoOrient: true })
      .ensureAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw unavailable(name, watermark, `is not a decodable image (${firstLine(error)})`);
  }
  const overlay: Overlay = { data: decoded.data, width: decoded.info.width, height: decoded.info.height };
  overlays.set(id, { overlay, etag: fetched.etag, checkedAt: now() });
  return overlay;
}

/** Forgets every overlay (tests). */
export function forgetOverlays(): void {
  overlays.clear();
}

export interface Placement { readonly left: number; readonly top: number; readonly width: number; readonly height: number }

/**
 * Where the overlay goes on a `width` x `height` frame: `watermark.width` of the frame's width
 * (its aspect ratio kept, and never more than fits inside the margins), `margin` of the frame's
 * width from the edges its gravity names, centred along the others.
 */
export function placement(watermark: Watermark, overlay: { width: number; height: number }, width: number, height: number): Placement {
  const margin = Math.round(width * watermark.margin);
  const maxWidth = Math.max(1, Math.min(Math.round(width * watermark.width), width - 2 * margin));
  const maxHeight = Math.max(1, height - 2 * margin);
  const scale = Math.min(maxWidth / overlay.width, maxHeight / overlay.height);
  const w = Math.max(1, Math.min(width, Math.round(overlay.width * scale)));
  const h = Math.max(1, Math.min(height, Math.round(overlay.height * scale)));
  const g = watermark.gravity;
  const along = (size: number, total: number, start: boolean, end: boolean) =>
    Math.max(0, Math.min(total - size, start ? margin : end ? total - size - margin : Math.round((total - size) / 2)));
  return {
    width: w, height: h,
    left: along(w, width, g.endsWith('left'), g.endsWith('right')),
    top: along(h, height, g.startsWith('top'), g.startsWith('bottom')),
  };
}
