import sharp from 'sharp';

// libvips loaders for the formats uploads may use, from a file and from memory.
const ALLOWED_LOADERS = ['Jpeg', 'Png', 'Webp', 'Nsgif', 'Heif'].flatMap((name) => [
  `VipsForeignLoad${name}File`,
  `VipsForeignLoad${name}Buffer`,
]);

let restricted = false;

/**
 * Blocks every libvips loader except JPEG, PNG, WebP, GIF and HEIF/AVIF, process-wide and once.
 * libvips also parses SVG (librsvg), TIFF, PDF, FITS, Matlab and more from magic bytes alone;
 * blocking them shrinks the parser attack surface (libvips "untrusted operations", VIPS_BLOCK_UNTRUSTED)
 * even if a file slips past the upload allow-list. Raw pixel input is not a loader and still works.
 */
export function restrictImageDecoders(): void {
  if (restricted) return;
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: ALLOWED_LOADERS });
  restricted = true;
}
