// The Ultra HDR container, in bytes: a JPEG whose primary (SDR) image carries a second JPEG, the
// HDR gain map, after its end. Layout as libultrahdr writes it (google/libultrahdr
// lib/src/jpegr.cpp, appendGainMap; Ultra HDR 1.1 with ISO 21496-1):
//
//   primary:  SOI, APP0 JFIF, APP1 XMP (hdrgm:Version, GContainer directory with the gain map's
//             length), APP2 ISO 21496-1 (version only), DQT/SOF/DHT, APP2 MPF (the two images'
//             sizes and offsets), SOS ... EOI
//   gain map: SOI, APP1 XMP (hdrgm parameters), APP2 ISO 21496-1 (the same parameters), the rest
//
// The resizer renders the primary with sharp's normal pipeline (shrink-on-load) and the gain map
// from its own small JPEG, then joins them here: sharp's keepGainMap() decodes the whole primary
// at full size instead (no shrink-on-load), about 5x the CPU of the same JPEG without it
// (docs/performance.md). The gain map's parameters do not change with the geometry, so its
// metadata segments are copied from the source's gain map as they are. Pure: no I/O, no sharp.

const XMP_NAMESPACE = 'http://ns.adobe.com/xap/1.0/\0';
const ISO_NAMESPACE = 'urn:iso:std:iso:ts:21496:-1\0';
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP15 = 0xef;
const SOS = 0xda;

interface Segment {
  readonly marker: number;
  /** Offsets of the whole segment (its 0xFF marker through its last byte). */
  readonly start: number;
  readonly end: number;
  readonly body: Buffer;
}

/** The marker segments between SOI and SOS, and where SOS starts; undefined if the bytes are not laid out so. */
function headerSegments(jpeg: Buffer): { segments: Segment[]; sos: number } | undefined {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  const segments: Segment[] = [];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1];
    if (marker === SOS) return { segments, sos: at };
    const end = at + 2 + jpeg.readUInt16BE(at + 2);
    if (end > jpeg.length) return undefined;
    segments.push({ marker, start: at, end, body: jpeg.subarray(at + 4, end) });
    at = end;
  }
  return undefined;
}

function startsWith(body: Buffer, prefix: string): boolean {
  return body.length >= prefix.length && body.toString('latin1', 0, prefix.length) === prefix;
}

function isApp(segment: Segment): boolean {
  return segment.marker >= APP0 && segment.marker <= APP15;
}

function isGainMapXmp(segment: Segment): boolean {
  return segment.marker === APP1 && startsWith(segment.body, XMP_NAMESPACE) && segment.body.includes('hdr-gain-map');
}

function isIso21496(segment: Segment): boolean {
  return segment.marker === APP2 && startsWith(segment.body, ISO_NAMESPACE);
}

function segmentBytes(marker: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0xff;
  head[1] = marker;
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** The primary's XMP as libultrahdr writes it (generateXmpForPrimaryImage): the version and the container directory. */
function primaryXmp(gainMapLength: number): Buffer {
  return Buffer.from(XMP_NAMESPACE +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 5.1.2"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    '<rdf:Description xmlns:Container="http://ns.google.com/photos/1.0/container/" xmlns:Item="http://ns.google.com/photos/1.0/container/item/" xmlns:hdrgm="http://ns.adobe.com/hdr-gain-map/1.0/" hdrgm:Version="1.0">' +
    '<Container:Directory><rdf:Seq><rdf:li rdf:parseType="Resource"><Container:Item Item:Semantic="Primary" Item:Mime="image/jpeg"/></rdf:li>' +
    `<rdf:li rdf:parseType="Resource"><Container:Item Item:Semantic="GainMap" Item:Mime="image/jpeg" Item:Length="${gainMapLength}"/></rdf:li>` +
    '</rdf:Seq></Container:Directory></rdf:Description></rdf:RDF></x:xmpmeta>', 'latin1');
}

/** The ISO 21496-1 segment of a primary image: minimum and writer version, both 0. */
const ISO_VERSION = Buffer.concat([Buffer.from(ISO_NAMESPACE, 'latin1'), Buffer.alloc(4)]);

/** An MPF (CIPA DC-007) APP2 body for two images, big-endian, as libultrahdr's generateMpf. */
const MPF_BODY_BYTES = 4 + 4 + 4 + 2 + 3 * 12 + 4 + 2 * 16;
function mpfBody(primarySize: number, gainMapSize: number, gainMapOffset: number): Buffer {
  const body = Buffer.alloc(MPF_BODY_BYTES);
  body.write('MPF\0MM\0*', 0, 'latin1');
  body.writeUInt32BE(8, 8); // the index IFD, right after the TIFF header
  body.writeUInt16BE(3, 12);
  // MPFVersion (UNDEFINED x4), NumberOfImages (LONG), MPEntry (UNDEFINED x32 at an offset).
  body.writeUInt16BE(0xb000, 14); body.writeUInt16BE(7, 16); body.writeUInt32BE(4, 18); body.write('0100', 22, 'latin1');
  body.writeUInt16BE(0xb001, 26); body.writeUInt16BE(4, 28); body.writeUInt32BE(1, 30); body.writeUInt32BE(2, 34);
  body.writeUInt16BE(0xb002, 38); body.writeUInt16BE(7, 40); body.writeUInt32BE(32, 42); body.writeUInt32BE(50, 46);
  body.writeUInt32BE(0, 50); // no attribute IFD
  // Offsets count from the TIFF header (4 bytes into the body); the primary's is 0 by definition.
  body.writeUInt32BE(0x030000, 54); body.writeUInt32BE(primarySize, 58); body.writeUInt32BE(0, 62);
  body.writeUInt32BE(0, 70); body.writeUInt32BE(gainMapSize, 74); body.writeUInt32BE(gainMapOffset, 78);
  return body;
}

/** The gain map's parameters as the source's gain map JPEG states them (its hdrgm XMP and ISO 21496-1 segments). */
export function gainMapMetadata(sourceGainMap: Buffer): Buffer[] | undefined {
  const parsed = headerSegments(sourceGainMap);
  if (!parsed) return undefined;
  const kept = parsed.segments.filter((s) => isGainMapXmp(s) || isIso21496(s));
  return kept.length ? kept.map((s) => sourceGainMap.subarray(s.start, s.end)) : undefined;
}

/**
 * Joins a primary JPEG and a gain map JPEG (both as sharp encoded them) into one Ultra HDR JPEG,
 * with `metadata` (gainMapMetadata() of the source's gain map) in the gain map image. Only the
 * standards the source used are written: the XMP directory when its gain map has hdrgm XMP, the
 * ISO version segment when it has ISO 21496-1 metadata. Other APP segments of either encode
 * (besides JFIF) are left out, as libultrahdr does.
 */
export function joinUltraHdr(primary: Buffer, gainMap: Buffer, metadata: readonly Buffer[]): Buffer {
  const main = headerSegments(primary);
  const map = headerSegments(gainMap);
  if (!main || !map) throw new Error('Ultra HDR: an encoded image is not a JPEG laid out as SOI, segments, SOS');
  const tables = (jpeg: Buffer, segments: Segment[]) => segments.filter((s) => !isApp(s)).map((s) => jpeg.subarray(s.start, s.end));
  const jfif = (jpeg: Buffer, segments: Segment[]) => segments.filter((s) => s.marker === APP0).map((s) => jpeg.subarray(s.start, s.end));
  const withXmp = metadata.some((m) => m[1] === APP1);
  const withIso = metadata.some((m) => m[1] === APP2);
  const secondary = Buffer.concat([gainMap.subarray(0, 2), ...jfif(gainMap, map.segments), ...metadata, ...tables(gainMap, map.segments), gainMap.subarray(map.sos)]);
  const head = Buffer.concat([
    primary.subarray(0, 2), ...jfif(primary, main.segments),
    ...(withXmp ? [segmentBytes(APP1, primaryXmp(secondary.length))] : []),
    ...(withIso ? [segmentBytes(APP2, ISO_VERSION)] : []),
    ...tables(primary, main.segments),
  ]);
  const primarySize = head.length + 4 + MPF_BODY_BYTES + (primary.length - main.sos);
  // The MPF's TIFF header starts after the marker, the length and "MPF\0".
  const mpf = segmentBytes(APP2, mpfBody(primarySize, secondary.length, primarySize - (head.length + 8)));
  return Buffer.concat([head, mpf, primary.subarray(main.sos), secondary]);
}

/**
 * The JPEG with an EXIF APP1 segment that states only `orientation`, right after SOI: the gain
 * map is stored as the primary is, and sharp's autoOrient then turns both the same way.
 */
export function withOrientation(jpeg: Buffer, orientation: number): Buffer {
  const exif = Buffer.alloc(6 + 8 + 2 + 12 + 4);
  exif.write('Exif\0\0MM\0*', 0, 'latin1');
  exif.writeUInt32BE(8, 10); // IFD0 right after the TIFF header
  exif.writeUInt16BE(1, 14);
  exif.writeUInt16BE(0x0112, 16); exif.writeUInt16BE(3, 18); exif.writeUInt32BE(1, 20); exif.writeUInt16BE(orientation, 24);
  exif.writeUInt32BE(0, 28); // no next IFD
  return Buffer.concat([jpeg.subarray(0, 2), segmentBytes(APP1, exif), jpeg.subarray(2)]);
}
