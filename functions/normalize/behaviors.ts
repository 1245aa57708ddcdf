// Which resizing behaviour a path belongs to. The normalizer runs on every behaviour of the
// distribution (issue 14): CloudFront chooses a behaviour on the path as sent, with a reserved
// `%2F` still encoded ("CloudFront normalizes URI paths consistent with RFC 3986", Developer
// Guide, "Path pattern"; RFC 3986 section 2.2: a percent-encoded reserved character is not the
// character), while S3 decodes every escape into the key. So `/dev%2Fphoto.jpg` or
// `/%64ev/photo.jpg` can land on the default behaviour yet name a key under `dev/*`. The rule:
// a path whose canonical spelling falls under a resizing behaviour must also be sent under it,
// or it is refused; any other path gets the path rules only. Pure.

/**
 * The path prefix (`/dev/` for `dev/*`) of the first pattern of config `behaviors` (each
 * `prefix/*`, in CloudFront's order) that the path starts with; undefined for none.
 */
export function resizingPrefix(uri: string, behaviors: readonly string[]): string | undefined {
  return behaviors.map((pattern) => '/' + pattern.replace(/^\/+/, '').slice(0, -1)).filter((prefix) => !uri.indexOf(prefix))[0];
}
