// The Next.js loader (`images.loaderFile`): Next's documented `({ src, width, quality }) => string`
// contract, built on imageUrl. The default export reads its base URL from NEXT_PUBLIC_IMAGE_CDN,
// which Next inlines into browser bundles; createLoader makes one with a given base, and (on the
// server only) signing with the keys it is given.
import { imageUrl, signUrl, type ClientOptions, type ImageParams } from './index';

export interface LoaderProps {
  readonly src: string;
  readonly width: number;
  readonly quality?: number;
}

export type ImageLoader = (props: LoaderProps) => string;

export interface LoaderOptions extends ClientOptions {
  /** The CDN's URL with the behaviour's prefix, e.g. https://images.example.com/prod. */
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

export function createLoader(options: LoaderOptions): ImageLoader {
  return function edgeImageLoader({ src, width, quality }) {
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
  if (!base) throw new Error('NEXT_PUBLIC_IMAGE_CDN must be the image CDN\'s URL (e.g. https://images.example.com/prod), got nothing');
  return base;
}

/** The loader for `images.loaderFile`: base URL from NEXT_PUBLIC_IMAGE_CDN. */
export default function edgeImageLoader(props: LoaderProps): string {
  return imageUrl(cdnBase(), props.src, { w: props.width, q: props.quality });
}
