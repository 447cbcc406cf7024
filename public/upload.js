// Progressive enhancement of the upload forms (the upload page, and the drop zone on the gallery):
// one file shows its upload and processing progress, then its photo page; several files (chosen
// with the `multiple` input or dropped onto the page) each get a row with its own progress bar,
// go up a few at a time, and a failed one can be retried alone. Without JavaScript the form posts
// every file at once and the server answers with an upload summary.
const form = document.getElementById('upload-form');
const box = document.getElementById('upload-progress');
const label = document.getElementById('upload-progress-label');
const bar = document.getElementById('upload-progress-bar');

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
const maxBytes = Number(form?.dataset.maxBytes ?? 0);
const parallel = Math.max(1, Number(form?.dataset.parallel ?? 3));
const tooLargeText = () => `This file is larger than the ${Math.round(maxBytes / 1048576)} MB limit. Upload a smaller photo.`;

function showError(message) {
  let list = document.getElementById('upload-errors');
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
  if (box) box.hidden = true;
  form.querySelector('button[type=submit]').disabled = false;
}

/** Sends one file; reports upload progress; resolves with { status, body } (status 0: the network failed). */
function send(file, onProgress) {
  return new Promise((resolve) => {
    const data = new FormData();
    data.append('_csrf', form.elements._csrf.value);
    if (form.elements.title?.value) data.append('title', form.elements.title.value);
    data.append('image', file, file.name);
    const request = new XMLHttpRequest();
    request.open('POST', form.action);
    request.setRequestHeader('accept', 'application/json');
    request.upload.addEventListener('progress', (e) => e.lengthComputable && onProgress(e.loaded / e.total));
    request.addEventListener('load', () => {
      let body = {};
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = {};
      }
      resolve({ status: request.status, body });
    });
    request.addEventListener('error', () => resolve({ status: 0, body: {} }));
    request.send(data);
  });
}

/** Polls a photo's status until it is final, reporting each step. */
async function follow(statusUrl, onStatus) {
  for (let i = 0; i < 600; i++) {
    const response = await fetch(statusUrl, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
    if (!response.ok) return;
    const status = await response.json();
    onStatus(status.status);
    if (status.final) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

// One file: the progress box under the form, then the photo's page.
async function uploadOne(file) {
  const show = (text, value) => {
    box.hidden = false;
    label.textContent = text;
    bar.value = value;
  };
  form.querySelector('button[type=submit]').disabled = true;
  show('Uploading…', 0);
  const { status, body } = await send(file, (done) => show(`Uploading… ${Math.round(done * 100)}%`, Math.round(done * 50)));
  if (status === 202 || (status === 200 && body.duplicate)) {
    show(body.duplicate ? 'You already have this photo.' : STATUS_TEXT.queued, 50);
    if (!body.duplicate) await follow(body.status_url, (s) => show(STATUS_TEXT[s] ?? s, STATUS_PROGRESS[s] ?? 50));
    window.location.assign(body.page_url);
  } else {
    showError(status === 0 ? 'The upload was interrupted. Check your connection and try again.' : (body.detail ?? 'The upload failed. Try again.'));
  }
}

// Several files: a row each, `parallel` at a time.
function uploadMany(files) {
  let list = document.getElementById('upload-list');
  if (!list) {
    list = document.createElement('ul');
    list.id = 'upload-list';
    list.className = 'upload-list';
    list.setAttribute('aria-live', 'polite');
    form.after(list);
  }
  const summary = document.getElementById('upload-list-summary') ?? Object.assign(document.createElement('p'), { id: 'upload-list-summary' });
  list.before(summary);
  const rows = [...files].map((file) => {
    const item = document.createElement('li');
    item.className = 'upload-item';
    const name = Object.assign(document.createElement('span'), { className: 'upload-name', textContent: file.name });
    const state = Object.assign(document.createElement('span'), { className: 'upload-state', textContent: 'Waiting…' });
    const progress = Object.assign(document.createElement('progress'), { max: 100, value: 0 });
    progress.setAttribute('aria-label', `Progress of ${file.name}`);
    item.append(name, progress, state);
    list.append(item);
    return { file, item, state, progress, done: false, ok: false };
  });
  const queue = [...rows];
  const report = () => {
    const finished = rows.filter((r) => r.done);
    summary.textContent = `${finished.length} of ${rows.length} done${finished.some((r) => !r.ok) ? `, ${finished.filter((r) => !r.ok).length} failed` : ''}.`;
    if (finished.length === rows.length && !document.getElementById('upload-done-link')) {
      const link = Object.assign(document.createElement('a'), { id: 'upload-done-link', href: '/photos/', textContent: 'Go to the gallery', className: 'button' });
      summary.append(' ', link);
      if (form.dataset.reloadWhenDone === 'true' && rows.every((r) => r.ok)) window.location.reload();
    }
  };
  const run = async (row) => {
    row.done = false;
    row.item.querySelector('button')?.remove();
    row.item.classList.remove('upload-failed');
    if (maxBytes && row.file.size > maxBytes) return finish(row, false, tooLargeText(), false);
    row.state.textContent = 'Uploading…';
    const { status, body } = await send(row.file, (done) => (row.progress.value = Math.round(done * 50)));
    if (status === 200 && body.duplicate) {
      row.progress.value = 100;
      const link = Object.assign(document.createElement('a'), { href: body.page_url, textContent: 'Already in your library' });
      row.state.replaceChildren(link);
      return finish(row, true);
    }
    if (status !== 202) return finish(row, false, status === 0 ? 'Interrupted.' : (body.detail ?? 'The upload failed.'), status === 0 || status === 429 || status >= 500);
    await follow(body.status_url, (s) => {
      row.state.textContent = STATUS_TEXT[s] ?? s;
      row.progress.value = STATUS_PROGRESS[s] ?? 50;
    });
    const link = Object.assign(document.createElement('a'), { href: body.page_url, textContent: 'View' });
    row.state.append(' ', link);
    return finish(row, true);
  };
  const finish = (row, ok, message = '', retryable = false) => {
    row.done = true;
    row.ok = ok;
    if (!ok) {
      row.item.classList.add('upload-failed');
      row.state.textContent = message;
      if (retryable) {
        const retry = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Retry' });
        retry.setAttribute('aria-label', `Retry ${row.file.name}`);
        retry.addEventListener('click', () => run(row).then(report));
        row.item.append(retry);
      }
    }
    report();
  };
  const worker = async () => {
    for (let row = queue.shift(); row; row = queue.shift()) await run(row);
  };
  report();
  return Promise.all(Array.from({ length: Math.min(parallel, rows.length) }, worker));
}

function start(files) {
  if (files.length === 0) return;
  if (files.length === 1 && box) {
    if (maxBytes && files[0].size > maxBytes) return showError(tooLargeText());
    return uploadOne(files[0]);
  }
  return uploadMany(files);
}

if (form && 'FormData' in window) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    start([...form.elements.image.files]);
  });
  // Files dropped anywhere on the page go up like chosen ones.
  const zone = document.querySelector('[data-drop-zone]') ?? document.body;
  zone.addEventListener('dragover', (event) => {
    if (![...(event.dataTransfer?.types ?? [])].includes('Files')) return;
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    if (!event.dataTransfer?.files.length) return;
    event.preventDefault();
    zone.classList.remove('dragging');
    start([...event.dataTransfer.files]);
  });
  // The gallery's drop-zone form uploads as soon as files are chosen (no separate button press).
  if (form.dataset.autoSubmit === 'true') form.elements.image.addEventListener('change', () => start([...form.elements.image.files]));
}
