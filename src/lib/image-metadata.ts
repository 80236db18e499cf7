/**
 * Removes the metadata of uploaded photos (issue 8, privacy: GPS position, device, time of capture,
 * names and comments) without decoding or re-encoding the picture: the compressed image data is kept
 * byte for byte, only metadata containers are dropped (JPEG, PNG, WebP) or blanked in place (HEIC,
 * where item offsets point into the file). See docs/decisions/0034-photo-metadata-stripping.md.
 *
 * The EXIF Orientation tag is the one value kept (in a new, minimal EXIF block of 26 bytes) because a
 * phone photo taken upright is stored sideways and shown turned by it; it says nothing about a person.
 *
 * Anything that does not parse as the format it claims throws `ImageUnreadable`: a file we cannot
 * read is a file whose metadata we cannot vouch for, so it is refused, never stored as it came.
 */

export type StrippableType = "image/jpeg" | "image/png" | "image/webp" | "image/heic";

export class ImageUnreadable extends Error {}

function bad(why: string): never {
  throw new ImageUnreadable(why);
}

/** The byte at `i`; a read past the end is a truncated file. */
function byte(b: Uint8Array, i: number): number {
  const v = b[i];
  if (v === undefined) bad("truncated");
  return v;
}

export interface Stripped {
  bytes: Uint8Array;
  /** How many metadata blocks were removed or blanked (for tests and counters; never their content). */
  removed: number;
}

export function stripImageMetadata(type: StrippableType, data: Uint8Array): Stripped {
  try {
    switch (type) {
      case "image/jpeg":
        return stripJpeg(data);
      case "image/png":
        return stripPng(data);
      case "image/webp":
        return stripWebp(data);
      case "image/heic":
        return stripHeic(data);
    }
  } catch (e) {
    // Out-of-range reads of a crafted file are the same refusal as a failed check.
    if (e instanceof ImageUnreadable) throw e;
    if (e instanceof RangeError) throw new ImageUnreadable("out of range");
    throw e;
  }
}

// ---- shared -----------------------------------------------------------------------------------------

const u16be = (b: Uint8Array, i: number) => {
  if (i + 2 > b.length) bad("truncated");
  return (byte(b, i) << 8) | byte(b, i + 1);
};
const u32be = (b: Uint8Array, i: number) => {
  if (i + 4 > b.length) bad("truncated");
  return ((byte(b, i) << 24) | (byte(b, i + 1) << 16) | (byte(b, i + 2) << 8) | byte(b, i + 3)) >>> 0;
};
const u32le = (b: Uint8Array, i: number) => {
  if (i + 4 > b.length) bad("truncated");
  return (byte(b, i) | (byte(b, i + 1) << 8) | (byte(b, i + 2) << 16) | (byte(b, i + 3) << 24)) >>> 0;
};
const ascii = (b: Uint8Array, i: number, len: number) => {
  if (i + len > b.length) bad("truncated");
  return String.fromCharCode(...b.subarray(i, i + len));
};
const startsWith = (b: Uint8Array, text: string) =>
  b.length >= text.length && [...text].every((ch, k) => b[k] === ch.charCodeAt(0));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The Orientation (tag 0x0112) of an EXIF TIFF block, when it is one of the seven that turn or mirror
 * the picture (2–8); null otherwise, and for any block that does not parse (it is dropped anyway).
 */
export function exifOrientation(tiff: Uint8Array): number | null {
  if (tiff.length < 8) return null;
  const le = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!le && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return null;
  const r16 = (i: number) =>
    i + 2 > tiff.length ? -1 : le ? byte(tiff, i) | (byte(tiff, i + 1) << 8) : (byte(tiff, i) << 8) | byte(tiff, i + 1);
  const r32 = (i: number) => (i + 4 > tiff.length ? -1 : le ? u32le(tiff, i) : u32be(tiff, i));
  if (r16(2) !== 42) return null;
  const ifd = r32(4);
  const count = r16(ifd);
  if (ifd < 8 || count < 0) return null;
  for (let k = 0; k < count; k++) {
    const e = ifd + 2 + k * 12;
    if (e + 12 > tiff.length) return null;
    if (r16(e) === 0x0112 && r16(e + 2) === 3 && r32(e + 4) === 1) {
      const v = r16(e + 8);
      return v >= 2 && v <= 8 ? v : null;
    }
  }
  return null;
}

/** A big-endian TIFF block with one IFD holding Orientation alone (26 bytes). */
export function orientationTiff(orientation: number): Uint8Array {
  return new Uint8Array([
    0x4d,
    0x4d,
    0x00,
    0x2a,
    0x00,
    0x00,
    0x00,
    0x08, // header, IFD0 at 8
    0x00,
    0x01, // one entry
    0x01,
    0x12,
    0x00,
    0x03,
    0x00,
    0x00,
    0x00,
    0x01,
    orientation >> 8,
    orientation & 0xff,
    0x00,
    0x00, // SHORT
    0x00,
    0x00,
    0x00,
    0x00, // no next IFD
  ]);
}

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]; // "Exif\0\0"

// ---- JPEG -------------------------------------------------------------------------------------------

/**
 * Walks the marker segments up to the end of the first image (EOI; anything after it, such as the
 * extra pictures of Multi-Picture files with their own EXIF, is dropped). Kept: the JFIF header, ICC
 * profiles, Adobe's colour-transform segment and everything that is not an application or comment
 * segment (tables, frame, scans). Dropped: EXIF and XMP (APP1), MPF and FlashPix (APP2), IPTC/Photoshop
 * (APP13), every other APPn and comments (COM).
 */
function stripJpeg(b: Uint8Array): Stripped {
  if (b[0] !== 0xff || b[1] !== 0xd8) bad("no SOI");
  const out: Uint8Array[] = [b.subarray(0, 2)];
  let removed = 0;
  let orientationKept = false;
  let sawFrame = false;
  let sawScan = false;
  let i = 2;
  for (;;) {
    if (i >= b.length) bad("no EOI");
    if (b[i] !== 0xff) bad("not a marker");
    while (b[i] === 0xff) i++; // fill bytes
    if (i >= b.length) bad("no EOI");
    const marker = byte(b, i++);
    if (marker === 0xd9) {
      if (!sawFrame || !sawScan) bad("no image");
      out.push(new Uint8Array([0xff, 0xd9]));
      if (i < b.length) removed++;
      return { bytes: concat(out), removed };
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      out.push(new Uint8Array([0xff, marker]));
      continue;
    }
    if (marker === 0x00 || marker === 0xd8) bad("bad marker");
    const len = u16be(b, i);
    if (len < 2 || i + len > b.length) bad("segment overruns");
    const payload = b.subarray(i + 2, i + len);
    const segment = b.subarray(i - 2, i + len);
    i += len;
    const keep = keepJpegSegment(marker, payload);
    if (keep === "exif") {
      removed++;
      const o = orientationKept ? null : exifOrientation(payload.subarray(6));
      if (o) {
        const tiff = orientationTiff(o);
        const seg = new Uint8Array(4 + EXIF_HEADER.length + tiff.length);
        seg.set([0xff, 0xe1, (seg.length - 2) >> 8, (seg.length - 2) & 0xff]);
        seg.set(EXIF_HEADER, 4);
        seg.set(tiff, 4 + EXIF_HEADER.length);
        out.push(seg);
        orientationKept = true;
      }
      continue;
    }
    if (!keep) {
      removed++;
      continue;
    }
    // Normalised to one FF before the marker (fill bytes carry nothing).
    out.push(new Uint8Array([0xff, marker]), segment.subarray(2));
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) sawFrame = true;
    if (marker === 0xda) {
      if (!sawFrame) bad("scan before frame");
      sawScan = true;
      // Entropy-coded data: runs to the next marker that is neither a stuffed 00 nor a restart marker.
      let j = i;
      for (;;) {
        if (j + 1 >= b.length) bad("scan runs past the end");
        if (b[j] !== 0xff) {
          j++;
          continue;
        }
        const next = byte(b, j + 1);
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) j += 2;
        else if (next === 0xff) j++;
        else break;
      }
      out.push(b.subarray(i, j));
      i = j;
    }
  }
}

function keepJpegSegment(marker: number, payload: Uint8Array): boolean | "exif" {
  if (marker === 0xfe) return false; // COM
  if (marker < 0xe0 || marker > 0xef) return true; // tables, frames, scans, DRI…
  if (marker === 0xe0) return startsWith(payload, "JFIF\0");
  if (marker === 0xe1) return startsWith(payload, "Exif\0\0") ? "exif" : false; // XMP, extended XMP
  if (marker === 0xe2) return startsWith(payload, "ICC_PROFILE\0");
  if (marker === 0xee) return startsWith(payload, "Adobe");
  return false;
}

// ---- PNG --------------------------------------------------------------------------------------------

/**
 * Chunks that describe the picture itself (PNG 3rd edition, APNG). Everything else is dropped: the
 * textual chunks (tEXt, iTXt, zTXt, where XMP lives too), eXIf, tIME and any private chunk, whose
 * content cannot be vouched for. An unknown critical chunk (upper-case first letter) is refused.
 */
const PNG_KEPT = new Set([
  "IHDR",
  "PLTE",
  "IDAT",
  "IEND",
  "tRNS",
  "cHRM",
  "gAMA",
  "iCCP",
  "sBIT",
  "sRGB",
  "cICP",
  "mDCV",
  "cLLI",
  "bKGD",
  "hIST",
  "pHYs",
  "sPLT",
  "acTL",
  "fcTL",
  "fdAT",
]);

/** Keeps the picture's chunks (PNG_KEPT) up to IEND; an eXIf's Orientation survives in a new eXIf. */
function stripPng(b: Uint8Array): Stripped {
  if (!startsWith(b, "\x89PNG\r\n\x1a\n")) bad("no signature");
  const out: Uint8Array[] = [b.subarray(0, 8)];
  let removed = 0;
  let i = 8;
  let first = true;
  let sawData = false;
  for (;;) {
    const len = u32be(b, i);
    if (len > 0x7fffffff || i + 12 + len > b.length) bad("chunk overruns");
    const type = ascii(b, i + 4, 4);
    if (!/^[A-Za-z]{4}$/.test(type)) bad("bad chunk type");
    if (first && type !== "IHDR") bad("IHDR not first");
    first = false;
    const chunk = b.subarray(i, i + 12 + len);
    i += 12 + len;
    if (type === "IDAT") sawData = true;
    if (type === "IEND") {
      if (!sawData) bad("no image data");
      out.push(chunk);
      if (i < b.length) removed++;
      return { bytes: concat(out), removed };
    }
    if (PNG_KEPT.has(type)) {
      out.push(chunk);
      continue;
    }
    if (type.charCodeAt(0) < 0x61) bad("unknown critical chunk");
    removed++;
    const o = type === "eXIf" ? exifOrientation(chunk.subarray(8, 8 + len)) : null;
    if (o) out.push(pngChunk("eXIf", orientationTiff(o)));
  }
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const c = new Uint8Array(12 + data.length);
  const v = new DataView(c.buffer);
  v.setUint32(0, data.length);
  for (let k = 0; k < 4; k++) c[4 + k] = type.charCodeAt(k);
  c.set(data, 8);
  v.setUint32(8 + data.length, crc32(c.subarray(4, 8 + data.length)));
  return c;
}

let CRC_TABLE: Uint32Array | undefined;
function crc32(data: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const x of data) c = (CRC_TABLE[(c ^ x) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---- WebP -------------------------------------------------------------------------------------------

/** The chunks of the picture itself; EXIF, XMP and any unknown chunk are dropped. */
const WEBP_KEPT = new Set(["VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF", "ICCP"]);

/** Drops EXIF, XMP and unknown chunks, clears the EXIF and XMP flags of VP8X, fixes the RIFF size. */
function stripWebp(b: Uint8Array): Stripped {
  if (ascii(b, 0, 4) !== "RIFF" || ascii(b, 8, 4) !== "WEBP") bad("not WebP");
  const end = 8 + u32le(b, 4);
  if (end > b.length || end < 20) bad("RIFF size");
  const out: Uint8Array[] = [];
  let removed = end < b.length ? 1 : 0;
  let vp8x: Uint8Array | null = null;
  let orientation: number | null = null;
  let exifAt = -1;
  let i = 12;
  let first = true;
  while (i < end) {
    const fourcc = ascii(b, i, 4);
    const size = u32le(b, i + 4);
    const next = i + 8 + size + (size & 1);
    if (next > end) bad("chunk overruns");
    if (first && !["VP8 ", "VP8L", "VP8X"].includes(fourcc)) bad("no image chunk first");
    first = false;
    const chunk = b.subarray(i, next);
    i = next;
    if (!WEBP_KEPT.has(fourcc)) {
      removed++;
      if (fourcc === "EXIF" && orientation === null) {
        const payload = chunk.subarray(8, 8 + size);
        orientation = exifOrientation(startsWith(payload, "Exif\0\0") ? payload.subarray(6) : payload);
        exifAt = out.length;
      }
      continue;
    }
    if (fourcc === "VP8X") {
      if (size < 10) bad("VP8X size");
      vp8x = chunk.slice(); // a copy: its flags change
      out.push(vp8x);
      continue;
    }
    out.push(chunk);
  }
  if (vp8x) {
    vp8x[8] = byte(vp8x, 8) & ~0x0c; // EXIF (0x08) and XMP (0x04) flags
    if (orientation) {
      const tiff = orientationTiff(orientation);
      const c = new Uint8Array(8 + tiff.length);
      c.set([0x45, 0x58, 0x49, 0x46, tiff.length & 0xff, tiff.length >> 8, 0, 0]); // "EXIF", size (even)
      c.set(tiff, 8);
      out.splice(exifAt, 0, c);
      vp8x[8] = byte(vp8x, 8) | 0x08;
    }
  }
  const body = concat(out);
  const bytes = new Uint8Array(12 + body.length);
  bytes.set(b.subarray(0, 12));
  new DataView(bytes.buffer).setUint32(4, bytes.length - 8, true);
  bytes.set(body, 12);
  return { bytes, removed };
}

// ---- HEIC -------------------------------------------------------------------------------------------

interface Box {
  type: string;
  start: number;
  /** Where the payload begins (after size, type and any largesize). */
  body: number;
  end: number;
}

function boxes(b: Uint8Array, from: number, to: number): Box[] {
  const list: Box[] = [];
  let i = from;
  while (i < to) {
    if (i + 8 > to) bad("box header overruns");
    let size = u32be(b, i);
    const type = ascii(b, i + 4, 4);
    let body = i + 8;
    if (size === 1) {
      const hi = u32be(b, i + 8);
      if (hi !== 0) bad("box too large");
      size = u32be(b, i + 12);
      body = i + 16;
    } else if (size === 0) size = to - i;
    if (size < body - i || i + size > to) bad("box overruns");
    list.push({ type, start: i, body, end: i + size });
    i += size;
  }
  return list;
}

/**
 * HEIF keeps EXIF and XMP as items of the `meta` box whose bytes (found through `iloc`) usually sit
 * in `mdat`. Removing them would shift every offset, so their bytes are overwritten in place: EXIF
 * with an empty TIFF block, XMP with spaces (the padding XMP allows). Orientation lives in the `irot`
 * and `imir` properties of HEIF, not in EXIF, so nothing of the picture's display changes.
 */
function stripHeic(src: Uint8Array): Stripped {
  const b = src.slice(); // written in place
  const top = boxes(b, 0, b.length);
  if (top[0]?.type !== "ftyp") bad("no ftyp");
  const metas = top.filter((x) => x.type === "meta");
  if (metas.length > 1) bad("two meta boxes");
  const meta = metas[0];
  if (!meta) return { bytes: b, removed: 0 };
  // `meta` is a full box: 4 bytes of version and flags before its children.
  const children = boxes(b, meta.body + 4, meta.end);
  const iinf = children.find((x) => x.type === "iinf");
  const iloc = children.find((x) => x.type === "iloc");
  const idat = children.find((x) => x.type === "idat");
  if (!iinf) return { bytes: b, removed: 0 };
  const targets = metadataItems(b, iinf);
  if (targets.size === 0) return { bytes: b, removed: 0 };
  if (!iloc) bad("items without locations");
  let removed = 0;
  for (const loc of locations(b, iloc)) {
    const kind = targets.get(loc.itemId);
    if (!kind) continue;
    // Constructed from other items (method 2): never used for EXIF by cameras; refused if it is.
    if (loc.method > 1) bad("constructed metadata item");
    for (const [offset, length] of loc.extents) {
      const start = loc.method === 1 ? (idat ?? bad("no idat")).body + offset : offset;
      const limit = loc.method === 1 && idat ? idat.end : b.length;
      const len = length === 0 ? limit - start : length; // 0: to the end of the container
      if (start < 0 || start + len > limit) bad("extent overruns");
      blank(b.subarray(start, start + len), kind);
    }
    targets.delete(loc.itemId);
    removed++;
  }
  if (targets.size > 0) bad("metadata item without location");
  return { bytes: b, removed };
}

function blank(region: Uint8Array, kind: "exif" | "xmp") {
  if (kind === "xmp") {
    region.fill(0x20);
    return;
  }
  region.fill(0);
  // exif_tiff_header_offset 0, then an empty big-endian TIFF (no entries, no next IFD).
  const empty = [0, 0, 0, 0, 0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
  if (region.length >= empty.length) region.set(empty);
}

/** Item ids of EXIF items and XMP (`mime` items of type application/rdf+xml) in `iinf`. */
function metadataItems(b: Uint8Array, iinf: Box): Map<number, "exif" | "xmp"> {
  const version = byte(b, iinf.body);
  const first = iinf.body + 4 + (version === 0 ? 2 : 4);
  const found = new Map<number, "exif" | "xmp">();
  for (const infe of boxes(b, first, iinf.end)) {
    if (infe.type !== "infe") continue;
    const v = byte(b, infe.body);
    if (v < 2) continue; // versions 0 and 1 carry no item type (no EXIF in HEIC ever uses them)
    let i = infe.body + 4;
    const itemId = v === 2 ? u16be(b, i) : u32be(b, i);
    i += v === 2 ? 2 : 4;
    i += 2; // protection index
    const itemType = ascii(b, i, 4);
    i += 4;
    if (itemType === "Exif") found.set(itemId, "exif");
    else if (itemType === "mime") {
      i = cString(b, i, infe.end).next; // item name
      if (cString(b, i, infe.end).text.toLowerCase().includes("rdf+xml")) found.set(itemId, "xmp");
    }
  }
  return found;
}

function cString(b: Uint8Array, from: number, to: number) {
  let i = from;
  while (i < to && b[i] !== 0) i++;
  return { text: String.fromCharCode(...b.subarray(from, Math.min(i, from + 200))), next: i + 1 };
}

interface Location {
  itemId: number;
  method: number;
  extents: [number, number][];
}

/** Item locations (`iloc`, versions 0–2): construction method, base offset and extents. */
function locations(b: Uint8Array, iloc: Box): Location[] {
  const version = byte(b, iloc.body);
  if (version > 2) bad("iloc version");
  let i = iloc.body + 4;
  const sizes = u16be(b, i);
  i += 2;
  const offsetSize = sizes >> 12;
  const lengthSize = (sizes >> 8) & 0xf;
  const baseSize = (sizes >> 4) & 0xf;
  const indexSize = version === 0 ? 0 : sizes & 0xf;
  const read = (n: number) => {
    if (![0, 4, 8].includes(n)) bad("field size");
    if (n === 0) return 0;
    if (n === 8) {
      if (u32be(b, i) !== 0) bad("offset too large");
      i += 4;
    }
    const v = u32be(b, i);
    i += 4;
    return v;
  };
  const count = version < 2 ? u16be(b, i) : u32be(b, i);
  i += version < 2 ? 2 : 4;
  const list: Location[] = [];
  for (let k = 0; k < count; k++) {
    if (i > iloc.end) bad("iloc overruns");
    const itemId = version < 2 ? u16be(b, i) : u32be(b, i);
    i += version < 2 ? 2 : 4;
    let method = 0;
    if (version > 0) {
      method = u16be(b, i) & 0xf;
      i += 2;
    }
    i += 2; // data reference index
    const base = read(baseSize);
    const extentCount = u16be(b, i);
    i += 2;
    const extents: [number, number][] = [];
    for (let e = 0; e < extentCount; e++) {
      if (indexSize) read(indexSize);
      const offset = read(offsetSize);
      const length = read(lengthSize);
      extents.push([base + offset, length]);
    }
    list.push({ itemId, method, extents });
  }
  if (i > iloc.end) bad("iloc overruns");
  return list;
}
