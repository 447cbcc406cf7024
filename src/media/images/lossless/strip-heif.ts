import { malformed } from './strip-error.js';

const MAX_BOXES = 4096;
const MAX_ITEMS = 4096;
/**
 * Every extent is matched against the data boxes, so both are capped: a hostile 232 KB file with
 * 4,096 empty mdat boxes and 65,535 one-byte extents took 12.8 s before. Real files have one mdat
 * and a handful of extents per item (grid tiles: one per tile).
 */
const MAX_DATA_BOXES = 64;
const MAX_EXTENTS = 65_536;
/** Item types that are metadata (ISO/IEC 23008-12 A.2.1 Exif, A.3 XMP as 'mime', and URI items). */
const METADATA_ITEMS = new Set(['Exif', 'mime', 'uri ']);
/** What a metadata item's type becomes: no reader knows it, so it is skipped like any unknown item. */
const ERASED_ITEM = Buffer.from('xxxx', 'latin1');
/** The meta box's children that describe the image; any other child has its payload zeroed. */
const META_CHILDREN = new Set(['hdlr', 'pitm', 'iloc', 'iinf', 'iprp', 'iref', 'idat', 'dinf']);
/**
 * Item properties (ipco) that describe how to decode and show the image; any other property has
 * its payload zeroed, since some carry text a user wrote ('udes': name, description, tags; 'altt').
 */
const IMAGE_PROPERTIES = new Set(['ispe', 'colr', 'pixi', 'av1C', 'hvcC', 'irot', 'imir', 'clap', 'auxC', 'pasp', 'a1op', 'a1lx', 'lsel', 'clli', 'mdcv', 'rloc']);

interface Box {
  readonly type: string;
  /** Where the payload starts (after the size, type and any 64-bit size). */
  readonly body: number;
  readonly end: number;
}

type Range = readonly [number, number];

/**
 * A HEIF/AVIF with its metadata erased in place, offsets untouched (ISO/IEC 23008-12, ISOBMFF 14496-12):
 * every Exif, XMP ('mime') and URI item has its payload overwritten with zeros and its item type
 * (and content type) erased, so no reader sees it as metadata; every byte of mdat and idat that no
 * image item points at is zeroed too (hidden payloads), as are the payloads of top-level boxes other
 * than ftyp, meta and mdat and of unknown meta children, and free text (item names, the handler's
 * name, properties that do not describe the image such as a user description). The image items,
 * their properties (colour profile, rotation and mirroring: the orientation) and the coded data are
 * byte for byte as uploaded.
 * Erasing in place rather than removing the items keeps every offset valid without rewriting iloc.
 *
 * Malformed structure (box sizes past their container, no ftyp first, no or two meta, an iinf or
 * iloc that does not parse, an extent outside mdat/idat, too many boxes or items) throws
 * ImageDecodeError('corrupt'); so does an upload with bytes after its last box that are not a box.
 */
export function stripHeif(input: Buffer): Buffer {
  const output = Buffer.from(input);
  const top = readBoxes(input, 0, input.length);
  if (top[0]?.type !== 'ftyp') throw malformed('HEIF', 'ftyp is not the first box');
  const metas = top.filter((box) => box.type === 'meta');
  if (metas.length !== 1) throw malformed('HEIF', `${metas.length} meta boxes`);
  const meta = metas[0] as Box;
  const children = readBoxes(input, meta.body + 4, meta.end);
  const child = (type: string) => children.find((box) => box.type === type);
  const iinf = child('iinf');
  const iloc = child('iloc');
  if (!iinf || !iloc) throw malformed('HEIF', 'no iinf or iloc');
  const erased = eraseMetadataItems(input, output, iinf);
  const idat = child('idat');
  const dataBoxes = [...top.filter((box) => box.type === 'mdat'), ...(idat ? [idat] : [])];
  if (dataBoxes.length > MAX_DATA_BOXES) throw malformed('HEIF', `${dataBoxes.length} mdat boxes`);
  const kept: Range[] = [];
  for (const item of readLocations(input, iloc)) {
    const ranges = item.extents.map(([offset, length]): Range => {
      if (item.method === 0) return [offset, offset + length];
      if (!idat) throw malformed('HEIF', 'an extent in idat without idat');
      return [idat.body + offset, idat.body + offset + length];
    });
    for (const [from, to] of ranges) {
      const container = dataBoxes.find((box) => from >= box.body && to <= box.end);
      if (!container) throw malformed('HEIF', 'an item extent outside mdat and idat');
      if (!erased.has(item.id)) kept.push([from, to]);
    }
  }
  // Only the image items' bytes survive in mdat and idat; everything else there becomes zeros.
  for (const box of dataBoxes) zeroOutside(output, box, kept);
  for (const box of top) if (box.type !== 'ftyp' && box.type !== 'meta' && box.type !== 'mdat') output.fill(0, box.body, box.end);
  for (const box of children) if (!META_CHILDREN.has(box.type)) output.fill(0, box.body, box.end);
  eraseFreeText(input, output, children);
  return output;
}

/** The text fields that describe nothing the image needs: the handler's name and properties outside IMAGE_PROPERTIES. */
function eraseFreeText(input: Buffer, output: Buffer, children: readonly Box[]): void {
  const hdlr = children.find((box) => box.type === 'hdlr');
  // hdlr: version/flags, pre_defined, handler_type, three reserved words, then the name.
  if (hdlr && hdlr.body + 24 < hdlr.end) output.fill(0, hdlr.body + 24, hdlr.end);
  const iprp = children.find((box) => box.type === 'iprp');
  if (!iprp) return;
  for (const box of readBoxes(input, iprp.body, iprp.end)) {
    if (box.type === 'ipco') {
      for (const property of readBoxes(input, box.body, box.end)) if (!IMAGE_PROPERTIES.has(property.type)) output.fill(0, property.body, property.end);
    } else if (box.type !== 'ipma') {
      output.fill(0, box.body, box.end);
    }
  }
}

/** Erases the type and payload description of every metadata item (infe version 2 or 3); returns their ids. */
function eraseMetadataItems(input: Buffer, output: Buffer, iinf: Box): Set<number> {
  const version = input[iinf.body] as number;
  // readBoxes refuses more than MAX_BOXES (= MAX_ITEMS) entries.
  const entries = readBoxes(input, iinf.body + 4 + (version === 0 ? 2 : 4), iinf.end);
  const erased = new Set<number>();
  for (const infe of entries) {
    if (infe.type !== 'infe') continue;
    const infeVersion = input[infe.body] as number;
    if (infeVersion < 2) throw malformed('HEIF', 'infe before version 2');
    const idSize = infeVersion === 2 ? 2 : 4;
    const typeAt = infe.body + 4 + idSize + 2;
    if (typeAt + 4 > infe.end) throw malformed('HEIF', 'truncated infe');
    // An item's name is free text: gone for every item; a metadata item loses its type too.
    output.fill(0, typeAt + 4, infe.end);
    if (!METADATA_ITEMS.has(input.toString('latin1', typeAt, typeAt + 4))) continue;
    erased.add(idSize === 2 ? input.readUInt16BE(infe.body + 4) : input.readUInt32BE(infe.body + 4));
    ERASED_ITEM.copy(output, typeAt); // its content type and encoding were zeroed with the name
  }
  return erased;
}

interface Location {
  readonly id: number;
  readonly method: number;
  readonly extents: Range[];
}

/** The iloc box (ISOBMFF 8.11.3): per item, its construction method and extents as [offset, length]. */
function readLocations(input: Buffer, iloc: Box): Location[] {
  const reader = fieldReader(input, iloc.body, iloc.end);
  const version = reader.read(1);
  reader.read(3);
  const sizes = reader.read(2);
  const [offsetSize, lengthSize, baseSize, indexSize] = [sizes >> 12, (sizes >> 8) & 0xf, (sizes >> 4) & 0xf, sizes & 0xf];
  if (version > 2) throw malformed('HEIF', `iloc version ${version}`);
  const count = reader.read(version < 2 ? 2 : 4);
  if (count > MAX_ITEMS) throw malformed('HEIF', 'too many items');
  const items: Location[] = [];
  let extentsInAll = 0;
  for (let i = 0; i < count; i++) {
    const id = reader.read(version < 2 ? 2 : 4);
    const method = version === 0 ? 0 : reader.read(2) & 0xf;
    if (method > 1) throw malformed('HEIF', `construction method ${method}`);
    reader.read(2); // data reference index
    const base = reader.read(baseSize);
    const extentCount = reader.read(2);
    extentsInAll += extentCount;
    if (extentsInAll > MAX_EXTENTS) throw malformed('HEIF', 'too many item extents');
    const extents: Range[] = [];
    for (let e = 0; e < extentCount; e++) {
      if (version > 0) reader.read(indexSize);
      const offset = base + reader.read(offsetSize);
      const length = reader.read(lengthSize);
      if (length === 0) throw malformed('HEIF', 'an extent without a length');
      extents.push([offset, length]);
    }
    items.push({ id, method, extents });
  }
  return items;
}

/** Reads big-endian unsigned fields of 0-4 or 8 bytes, refusing to read past `end`. */
function fieldReader(input: Buffer, start: number, end: number): { read: (bytes: number) => number } {
  let position = start;
  return {
    read(bytes: number): number {
      if (![0, 1, 2, 3, 4, 8].includes(bytes)) throw malformed('HEIF', `a field of ${bytes} bytes`);
      if (position + bytes > end) throw malformed('HEIF', 'a box ends inside its fields');
      const value = bytes === 8 ? Number(input.readBigUInt64BE(position)) : bytes === 0 ? 0 : input.readUIntBE(position, bytes);
      position += bytes;
      if (!Number.isSafeInteger(value)) throw malformed('HEIF', 'a field past 2^53');
      return value;
    },
  };
}

/** The boxes from start to end: 32-bit size (1: a 64-bit size follows; 0: to the end) and type. */
function readBoxes(input: Buffer, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  let position = start;
  while (position < end) {
    if (boxes.length >= MAX_BOXES) throw malformed('HEIF', 'too many boxes');
    if (position + 8 > end) throw malformed('HEIF', 'truncated box header');
    let size = input.readUInt32BE(position);
    let body = position + 8;
    if (size === 1) {
      if (position + 16 > end) throw malformed('HEIF', 'truncated box header');
      const large = input.readBigUInt64BE(position + 8);
      if (large > BigInt(end - position)) throw malformed('HEIF', 'box size runs past its container');
      size = Number(large);
      body = position + 16;
    } else if (size === 0) {
      size = end - position;
    }
    if (size < body - position || position + size > end) throw malformed('HEIF', `box size ${size} runs past its container`);
    boxes.push({ type: input.toString('latin1', position + 4, position + 8), body, end: position + size });
    position += size;
  }
  return boxes;
}

/** Zeroes the bytes of a box's payload that no kept range covers. */
function zeroOutside(output: Buffer, box: Box, kept: readonly Range[]): void {
  const inside = kept.filter(([from, to]) => from >= box.body && to <= box.end).sort((a, b) => a[0] - b[0]);
  let position = box.body;
  for (const [from, to] of inside) {
    if (from > position) output.fill(0, position, from);
    position = Math.max(position, to);
  }
  if (position < box.end) output.fill(0, position, box.end);
}
