// Passkey ceremonies (WebAuthn) for the passkeys page, the login page and the second login step.
// A same-origin module under the strict CSP; the JSON endpoints check the CSRF token like any POST.
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '/static/vendor/simplewebauthn/index.js';

const status = document.getElementById('passkey-status');

// This script runs, so the note that passkeys need JavaScript no longer applies.
for (const note of document.querySelectorAll('[data-passkey-nojs]')) note.hidden = true;

function say(text) {
  if (status) status.textContent = text;
}

async function post(url, csrf, body) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(typeof data.detail === 'string' ? data.detail : `The server answered ${response.status}.`);
  return data;
}

function describe(error) {
  // The user closing the browser's dialog is not a failure worth more than a line.
  if (error && error.name === 'NotAllowedError') return 'The passkey request was cancelled or timed out.';
  return error instanceof Error ? error.message : 'Something went wrong.';
}

function enable(container, button, run) {
  if (!container || !button) return;
  if (!browserSupportsWebAuthn()) {
    container.hidden = false;
    button.disabled = true;
    say('This browser does not support passkeys.');
    return;
  }
  container.hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    say('Waiting for your passkey…');
    try {
      await run(container.querySelector('input.passkey-csrf')?.value ?? '', button);
    } catch (error) {
      say(describe(error));
      button.disabled = false;
    }
  });
}

enable(document.querySelector('[data-passkey-ceremony="register"]'), document.getElementById('passkey-add'), async (csrf) => {
  const name = document.getElementById('id_passkey_name');
  const optionsJSON = await post('/accounts/passkeys/register/options/', csrf, {});
  const response = await startRegistration({ optionsJSON });
  await post('/accounts/passkeys/register/verify/', csrf, { name: name ? name.value : '', response });
  window.location.assign('/accounts/passkeys/');
});

enable(document.querySelector('[data-passkey-ceremony="passwordless"]'), document.getElementById('passkey-login'), async (csrf, button) => {
  const optionsJSON = await post('/accounts/login/passkey/options/', csrf, {});
  const response = await startAuthentication({ optionsJSON });
  const done = await post('/accounts/login/passkey/verify/', csrf, { response, next: button.dataset.next ?? '' });
  window.location.assign(done.redirect);
});

enable(document.querySelector('[data-passkey-ceremony="second-factor"]'), document.getElementById('passkey-second-factor'), async (csrf) => {
  const optionsJSON = await post('/accounts/login/2fa/passkey/options/', csrf, {});
  const response = await startAuthentication({ optionsJSON });
  const done = await post('/accounts/login/2fa/passkey/verify/', csrf, { response });
  window.location.assign(done.redirect);
});
