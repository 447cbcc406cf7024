// Paints each photo's ThumbHash placeholder behind it until the real image has loaded.
// Runs as a same-origin module under the strict CSP (no inline script; CSSOM writes are allowed).
import { thumbHashToDataURL } from '/static/vendor/thumbhash/thumbhash.js';

function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

for (const img of document.querySelectorAll('img[data-thumbhash]')) {
  if (img.complete && img.naturalWidth > 0) continue;
  try {
    img.style.backgroundImage = `url("${thumbHashToDataURL(decodeBase64(img.dataset.thumbhash))}")`;
    img.style.backgroundSize = 'cover';
    img.addEventListener('load', () => (img.style.backgroundImage = ''), { once: true });
  } catch {
    // A malformed placeholder only means no placeholder.
  }
}
