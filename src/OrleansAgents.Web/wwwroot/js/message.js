// The page's one message box (role=alert): errors as sentences; a 401 signs the person out.
import { describe } from './api.js';
import { byTestId } from './dom.js';

let unauthorized = () => {};

/** What to do when the API refuses the key (401): set once at start-up. */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

/** Shows an error (an ApiError, any Error, or a sentence), prefixed with `context` where the API gives no sentence. */
export function showError(error, context) {
  const box = byTestId('error');
  box.textContent = typeof error === 'string' ? error : describe(error, context);
  box.dataset.status = error?.status ?? '';
  box.hidden = false;
  if (error?.status === 401) unauthorized();
}

export function clearError() {
  const box = byTestId('error');
  box.hidden = true;
  box.textContent = '';
  delete box.dataset.status;
}
