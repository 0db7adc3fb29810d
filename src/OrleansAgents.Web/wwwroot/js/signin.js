// Signing in with an API key (checked with GET /api/me) and out; who is signed in, and the dashboard link.
import { api, session } from './api.js';
import { $, byTestId } from './dom.js';
import { clearError, showError } from './message.js';
import { route } from './router.js';

/** Wires the sign-in form and the sign-out button; `onSignedIn` runs after a key was accepted. */
export function initSignIn({ onSignedIn }) {
  byTestId('signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = $('#api-key').value.trim();
    if (!key) return;
    session.key = key;
    let caller;
    try {
      caller = await api('/api/me');
    } catch (error) {
      session.key = null;
      showError(error);
      return;
    }
    clearError();
    $('#api-key').value = '';
    showCaller(caller);
    onSignedIn();
    route();
  });
  byTestId('sign-out').addEventListener('click', () => signOut());
}

/** Shows who is signed in; the dashboard link only for operators (the server refuses everyone else). */
function showCaller(caller) {
  byTestId('who').textContent = caller?.owner ?? '';
  byTestId('dashboard-link').hidden = true;
  // The dashboard gets the operator's key as a cookie scoped to it, set by a call with the key in its header:
  // the link shows once it is set.
  if (caller?.operator) {
    api('/api/dashboard/session', { method: 'POST' }).then(() => { byTestId('dashboard-link').hidden = false; }, () => {});
  }
}

/** Shows the caller of a key kept from before (a reload). */
export async function loadCaller() {
  try {
    showCaller(await api('/api/me'));
  } catch {
    showCaller(null);
  }
}

/** Forgets the key and shows sign-in; `keepMessage` keeps the error that caused it on screen. */
export function signOut({ keepMessage = false } = {}) {
  session.key = null;
  showCaller(null);
  if (!keepMessage) clearError();
  route();
}
