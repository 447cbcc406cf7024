/** EXIF orientations other than 1 (upright): the only metadata a stripped original keeps as EXIF. */
export function isRotatingOrientation(orientation: number | undefined): orientation is number {
  return orientation !== undefined && Number.isInteger(orientation) && orientation >= 2 && orientation <= 8;
}

/**
 * A 26-byte big-endian TIFF structure holding one IFD0 entry, Orientation (0x0112, SHORT, 1 value),
 * and no other IFD: everything a viewer needs to show the picture upright, nothing about the camera,
 * the place or the owner. It is the body of JPEG's APP1 "Exif" segment and of PNG's eXIf chunk.
 */
export function orientationOnlyTiff(orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4); // IFD0 right after the header
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14); // one value, stored in the entry itself
  tiff.writeUInt16BE(orientation, 18);
  tiff.writeUInt32BE(0, 22); // no next IFD (bytes 20-21 are the value's padding)
  return tiff;
}
