// What an S3 key may be, here and at AWS: read by the normalizer's path rules and the embedded
// S3 server alike, so the local edge refuses exactly what the normalizer does. Pure constants:
// the CloudFront Functions build imports this file (shared/limits.ts is not ES5-safe).

/** S3's object key limit: 1024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;
/**
 * Longest path segment, in UTF-8 bytes. The local S3 server (s3rver) stores each segment as a
 * file name with `._S3rver_metadata.json` (22 bytes) appended, and file systems allow 255 bytes
 * per name (ext4, APFS, NTFS; also what `aws s3 sync` to disk needs): 255 - 22 = 233. AWS
 * itself would take longer segments; the limit is the same in every environment so the local
 * edge answers like AWS (the normalizer refuses longer ones; the embedded server answers them as absent).
 */
export const MAX_SEGMENT_BYTES = 233;
