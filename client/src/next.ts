// The Next.js loader (`images.loaderFile`): Next's documented `({ src, width, quality }) => string`
// contract, built on imageUrl. The default export reads its base URL from NEXT_PUBLIC_IMAGE_CDN,
// which Next inlines into browser bundles; createLoader makes one with a given base, and (on the
// server only) signing with the keys it is given.
import { quoteReceived } from '../../shared/errors';
import { checkBase, hasSignedWidths, imageUrl, signUrl, withWidth, type ClientOptions, type ImageParams } from './index';

export interface LoaderProps {
  readonly src: string;
  readonly width: number;
  readonly quality?: number;
}

export type ImageLoader = (props: LoaderProps) => string;

export interface LoaderOptions extends ClientOptions {
  /**
   * The CDN's URL, e.g. https://images.example.com, with the keys (src) naming the behaviour's
   * prefix (`prod/photos/cat.jpg`); or https://images.example.com/prod with keys without it.
   */
  readonly base: string;
  /** Parameters every URL of this loader carries (say `fit` or `gray`). */
  readonly params?: Omit<ImageParams, 'w' | 'q' | 'dpr'>;
  /**
   * Signing keys (the first signs): every URL is signed. Server side only (server components, a
   * build step); a signing key in a browser bundle lets anyone sign anything.
   */
  readonly keys?: string | readonly string[];
  /** With `keys`: Unix seconds after which the URLs are refused (`exp`). */
  readonly expires?: number;
}

/**
 * A `src` that starts with `/` is the site's own (a public/ file, a static import under
 * /_next/static): Next serves it, so the loader gives it back unchanged. Keys for the edge are
 * written without a leading slash (`prod/photos/cat.jpg`).
 */
function isSiteOwn(src: string): boolean {
  if (typeof src !== 'string' || src.charAt(0) !== '/') return false;
  // `//host/x` and `/\host/x` are another host's URL to a browser, not a path of this site: a
  // src from user input must not turn the loader into a way to show any site's image.
  if (src.charAt(1) === '/' || src.charAt(1) === '\\') {
    throw new Error(`the image loader's src must be a key like "dev/photo.jpg" or a path of your site like "/icon.png", got ${quoteReceived(src)} (another host's URL to a browser)`);
  }
  return true;
}

/**
 * A `src` that is a URL signed with `widths` (`ws`, signUrl's option) on the loader's own CDN is
 * used as it is, with Next's width as its `w`: every candidate under its one signature, no key
 * needed (its `q` and other parameters are signed, so Next's `quality` cannot change them).
 * Another origin's URL is not passed through, so a src from user input cannot show another site's image.
 */
function fromSignedWidths(src: string, width: number, base: () => string): string | undefined {
  if (!/^https?:\/\//.test(src) || !hasSignedWidths(src)) return undefined;
  return new URL(src).origin === new URL(base()).origin ? withWidth(src, width) : undefined;
}

export function createLoader(options: LoaderOptions): ImageLoader {
  checkBase(options.base, 'createLoader');
  return function edgeImageLoader({ src, width, quality }) {
    if (isSiteOwn(src)) return src;
    const signed = fromSignedWidths(src, width, () => options.base);
    if (signed) return signed;
    const url = imageUrl(options.base, src, { ...options.params, w: width, q: quality }, options);
    return options.keys ? signUrl(url, options.keys, { expires: options.expires }) : url;
  };
}

// Written out in full so that Next's build can inline it.
declare const process: { env: Record<string, string | undefined> };

function cdnBase(): string {
  let base: string | undefined;
  try {
    base = process.env.NEXT_PUBLIC_IMAGE_CDN;
  } catch (_) {
    base = undefined;
  }
  // In .env, not only .env.production: `next dev` reads .env and .env.development.
  return checkBase(base, 'NEXT_PUBLIC_IMAGE_CDN (in .env, for next dev, next build and next start)');
}

/** The loader for `images.loaderFile`: base URL from NEXT_PUBLIC_IMAGE_CDN; a `src` starting with `/` is Next's own, unchanged. */
export default function edgeImageLoader(props: LoaderProps): string {
  if (isSiteOwn(props.src)) return props.src;
  const signed = fromSignedWidths(props.src, props.width, cdnBase);
  if (signed) return signed;
  return imageUrl(cdnBase(), props.src, { w: props.width, q: props.quality });
}
