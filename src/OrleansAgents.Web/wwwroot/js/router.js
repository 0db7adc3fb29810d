// Routing: "/" is the run list, "/runs/{id}" a run; without a key, sign-in. Deep links load index.html
// (the server's fallback), so every path starts here.
import { session } from './api.js';
import { $, byTestId } from './dom.js';
import { clearError } from './message.js';

/** @type {Record<string, { enter?: (param?: string) => void, leave?: () => void }>} */
const views = {};
let currentView = null;

/** Registers what a view does when it is shown (enter, with the run ID for "run") and when another replaces it. */
export function defineView(name, hooks) {
  views[name] = hooks;
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  route();
}

/** Shows the view the address names. */
export function route() {
  if (!session.key) {
    show('signin');
    return;
  }
  const match = /^\/runs\/([^/]+)\/?$/.exec(location.pathname);
  if (match) show('run', decodeURIComponent(match[1]));
  else show('runs');
}

function show(view, param) {
  if (currentView && currentView !== view) views[currentView]?.leave?.();
  currentView = view;
  for (const section of document.querySelectorAll('[data-view]')) section.hidden = section.dataset.view !== view;
  byTestId('account').hidden = !session.key;
  if (view === 'signin') $('#api-key').focus();
  views[view]?.enter?.(param);
}

/** Follows in-page links (a[data-link]) without a reload, and the browser's back and forward. */
export function startRouting() {
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[data-link]');
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    clearError();
    navigate(link.getAttribute('href'));
  });
  window.addEventListener('popstate', route);
}
