
/**
 * An SVG QR code as a data: URL for an <img>: the page's CSP allows data: images and no inline
 * script or style, and an SVG loaded as an image runs no script.
 */
export async function qrCodeDataUrl(text: string): Promise<string> {
  // Loaded on first use (two-factor set-up is rare): a process that never shows one never holds it.
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}
