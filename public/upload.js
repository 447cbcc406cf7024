// Progressive enhancement of the upload form: upload progress, then live processing status,
// then on to the photo's page. Without JavaScript the form posts normally and the photo page
// refreshes itself until processing ends.
const form = document.getElementById('upload-form');
const box = document.getElementById('upload-progress');
const label = document.getElementById('upload-progress-label');
const bar = document.getElementById('upload-progress-bar');
const errors = document.getElementById('upload-errors');

const STATUS_TEXT = {
  queued: 'Waiting to be processed…',
  scanning: 'Scanning for malware…',
  pending_scan: 'Waiting for the malware scanner…',
  processing: 'Processing…',
  ready: 'Ready',
  held: 'Held for review',
  rejected: 'Rejected',
  failed: 'Processing failed',
};
const STATUS_PROGRESS = { queued: 55, pending_scan: 60, scanning: 65, processing: 85, ready: 100, held: 100, rejected: 100, failed: 100 };

function show(text, value) {
  box.hidden = false;
  label.textContent = text;
  bar.value = value;
}

function showError(message) {
  let list = errors;
  if (!list) {
    list = document.createElement('ul');
    list.className = 'field-errors';
    list.id = 'upload-errors';
    form.before(list);
  }
  list.replaceChildren();
  const item = document.createElement('li');
  item.textContent = message;
  list.append(item);
  box.hidden = true;
  form.querySelector('button[type=submit]').disabled = false;
}

async function follow(statusUrl, pageUrl) {
  for (let i = 0; i < 600; i++) {
    const response = await fetch(statusUrl, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
    if (!response.ok) break;
    const status = await response.json();
    show(STATUS_TEXT[status.status] ?? status.status, STATUS_PROGRESS[status.status] ?? 50);
    if (status.final) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  window.location.assign(pageUrl);
}

if (form && 'FormData' in window) {
  form.addEventListener('submit', (event) => {
    const file = form.elements.image.files[0];
    if (!file) return;
    if (file.size > Number(form.dataset.maxBytes)) {
      event.preventDefault();
      showError(`This file is larger than the ${Math.round(Number(form.dataset.maxBytes) / 1048576)} MB limit. Upload a smaller photo.`);
      return;
    }
    event.preventDefault();
    form.querySelector('button[type=submit]').disabled = true;
    const request = new XMLHttpRequest();
    request.open('POST', form.action);
    request.setRequestHeader('accept', 'application/json');
    request.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) show(`Uploading… ${Math.round((e.loaded / e.total) * 100)}%`, Math.round((e.loaded / e.total) * 50));
    });
    request.addEventListener('load', () => {
      let body = {};
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = {};
      }
      if (request.status === 202) {
        show(STATUS_TEXT.queued, 50);
        follow(body.status_url, body.page_url);
      } else {
        showError(body.detail ?? 'The upload failed. Try again.');
      }
    });
    request.addEventListener('error', () => showError('The upload was interrupted. Check your connection and try again.'));
    show('Uploading…', 0);
    request.send(new FormData(form));
  });
}
