// The photo page's viewer: ArrowLeft/ArrowRight open the previous/next photo of the list the page
// came from, a horizontal swipe does the same on touch screens, and the photo opens full screen with
// zoom (buttons, wheel or pinch, keys + - 0; drag to pan). Without JavaScript the previous/next links
// still work and the controls stay hidden. A same-origin module under the strict CSP: no inline
// script or handler; only CSSOM writes (element.style), which CSP allows.
const viewer = document.getElementById('viewer');
const stage = document.getElementById('viewer-stage');
const controls = document.getElementById('viewer-controls');
const image = stage?.querySelector('img') ?? null;
const previous = document.getElementById('viewer-prev');
const next = document.getElementById('viewer-next');
const fullButton = document.getElementById('viewer-fullscreen');
const zoomLevel = document.getElementById('viewer-zoom-level');

const MIN_ZOOM = 1;
const MAX_ZOOM = 8;
const STEP = 1.25;
const SWIPE_PX = 60;

let zoom = 1;
let panX = 0;
let panY = 0;

/** Keys typed into a field (the details form, the album picker) are the field's, never the viewer's. */
const FIELDS = new Set(['INPUT', 'TEXTAREA', 'SELECT']);
function isTyping(target) {
  return typeof target?.closest === 'function' && (FIELDS.has(target.tagName) || target.closest('[contenteditable]') !== null);
}

function follow(link) {
  if (link && link.tagName === 'A') window.location.assign(link.getAttribute('href'));
}

function render() {
  if (!image || !stage) return;
  image.style.transform = zoom === 1 ? '' : `translate(${panX}px, ${panY}px) scale(${zoom})`;
  stage.dataset.zoom = String(zoom);
  stage.classList.toggle('zoomed', zoom > 1);
  if (zoomLevel) zoomLevel.textContent = `${Math.round(zoom * 100)}%`;
}

function setZoom(value) {
  zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, Math.round(value * 1000) / 1000));
  if (zoom === 1) {
    panX = 0;
    panY = 0;
  }
  render();
}

// Full screen: the Fullscreen API on the figure; where it is refused (or missing) the same figure
// covers the window instead (class viewer-full), and Escape closes it like the browser's own.
function isFull() {
  return document.fullscreenElement === viewer || viewer?.classList.contains('viewer-full') === true;
}

function showFullState() {
  const full = isFull();
  if (fullButton) {
    fullButton.setAttribute('aria-pressed', String(full));
    fullButton.setAttribute('aria-label', full ? 'Exit full screen' : 'Full screen');
    fullButton.textContent = full ? 'Exit full screen' : 'Full screen';
  }
  if (!full) setZoom(1);
}

async function enterFull() {
  if (!viewer) return;
  try {
    if (typeof viewer.requestFullscreen !== 'function') throw new Error('no Fullscreen API');
    await viewer.requestFullscreen();
  } catch {
    viewer.classList.add('viewer-full');
    showFullState();
  }
}

async function exitFull() {
  if (viewer?.classList.contains('viewer-full')) {
    viewer.classList.remove('viewer-full');
    showFullState();
  } else if (document.fullscreenElement) {
    await document.exitFullscreen();
  }
  fullButton?.focus();
}

if (viewer && stage && controls && image) {
  controls.hidden = false;
  document.addEventListener('fullscreenchange', showFullState);
  fullButton?.addEventListener('click', () => void (isFull() ? exitFull() : enterFull()));
  document.getElementById('viewer-zoom-in')?.addEventListener('click', () => setZoom(zoom * STEP));
  document.getElementById('viewer-zoom-out')?.addEventListener('click', () => setZoom(zoom / STEP));
  document.getElementById('viewer-zoom-reset')?.addEventListener('click', () => setZoom(1));

  // The wheel zooms in full screen; on the page it scrolls, unless it is a trackpad pinch (ctrlKey).
  stage.addEventListener(
    'wheel',
    (event) => {
      if (!isFull() && !event.ctrlKey) return;
      event.preventDefault();
      setZoom(event.deltaY < 0 ? zoom * STEP : zoom / STEP);
    },
    { passive: false },
  );

  // Pointers: two pinch (zoom), one drags (pan) when zoomed or swipes (previous/next) when not.
  const pointers = new Map();
  let pinchStart = null;
  let swipeStart = null;
  stage.addEventListener('pointerdown', (event) => {
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinchStart = { distance: Math.hypot(a.x - b.x, a.y - b.y), zoom };
      swipeStart = null;
    } else if (pointers.size === 1) {
      swipeStart = { x: event.clientX, y: event.clientY, panX, panY, touch: event.pointerType !== 'mouse' };
      if (zoom > 1) stage.setPointerCapture(event.pointerId);
    }
  });
  stage.addEventListener('pointermove', (event) => {
    if (!pointers.has(event.pointerId)) return;
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (pinchStart && pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      if (pinchStart.distance > 0) setZoom((pinchStart.zoom * Math.hypot(a.x - b.x, a.y - b.y)) / pinchStart.distance);
    } else if (swipeStart && zoom > 1) {
      panX = swipeStart.panX + (event.clientX - swipeStart.x);
      panY = swipeStart.panY + (event.clientY - swipeStart.y);
      render();
    }
  });
  const release = (event) => {
    pointers.delete(event.pointerId);
    if (pointers.size < 2) pinchStart = null;
    if (event.type === 'pointerup' && swipeStart && swipeStart.touch && zoom === 1 && pointers.size === 0) {
      const dx = event.clientX - swipeStart.x;
      const dy = event.clientY - swipeStart.y;
      if (Math.abs(dx) > SWIPE_PX && Math.abs(dx) > 2 * Math.abs(dy)) follow(dx > 0 ? previous : next);
    }
    if (pointers.size === 0) swipeStart = null;
  };
  stage.addEventListener('pointerup', release);
  stage.addEventListener('pointercancel', release);
}

document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) return;
  const zoomable = viewer && image && controls && !controls.hidden;
  switch (event.key) {
    case 'ArrowLeft':
      if (zoom > 1) return;
      follow(previous);
      break;
    case 'ArrowRight':
      if (zoom > 1) return;
      follow(next);
      break;
    case '+':
    case '=':
      if (!zoomable) return;
      setZoom(zoom * STEP);
      break;
    case '-':
      if (!zoomable) return;
      setZoom(zoom / STEP);
      break;
    case '0':
      if (!zoomable) return;
      setZoom(1);
      break;
    case 'Escape':
      // Browsers close their full screen on Escape themselves; this covers the fallback, and any
      // Escape that reaches the page while the figure is still full screen.
      if (!isFull()) return;
      void exitFull();
      break;
    default:
      return;
  }
  event.preventDefault();
});
