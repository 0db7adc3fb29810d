// The HTTP API: the key this tab signed in with, requests, and errors as problem details. No DOM.

const KEY_STORAGE = 'orleansAgents.apiKey';

/** An API error carrying the HTTP status (0: no answer) and the problem details. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

/** The API key, kept in this tab's session storage only. */
export const session = {
  get key() { return sessionStorage.getItem(KEY_STORAGE); },
  set key(value) {
    if (value) sessionStorage.setItem(KEY_STORAGE, value);
    else sessionStorage.removeItem(KEY_STORAGE);
  },
};

/**
 * Calls the API with the session's key as a Bearer token; the JSON answer, or an ApiError.
 * @param {string} path
 * @param {{ method?: string, body?: unknown, idempotencyKey?: string }} [options]
 */
export async function api(path, { method = 'GET', body, idempotencyKey } = {}) {
  const headers = { Accept: 'application/json' };
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  if (session.key) headers.Authorization = `Bearer ${session.key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { title: 'Network error', detail: 'The server could not be reached. Check your connection and try again.' });
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  if (!response.ok) {
    const problem = json && typeof json === 'object' ? json : { title: response.statusText };
    if (response.status === 429 && !problem.detail) problem.detail = 'Too many requests; try again shortly.';
    throw new ApiError(response.status, problem);
  }
  return json;
}

/** A sentence for the person in front of the page, from a problem-details error. */
export function describe(error, context = '') {
  if (!(error instanceof ApiError)) return `${context}${error?.message ?? error}`;
  const { status, problem } = error;
  const detail = problem.detail ? ` ${problem.detail}` : '';
  switch (status) {
    case 0: return `${problem.title}: ${problem.detail}`;
    case 401: return `Your API key was not accepted (401 ${problem.title ?? 'Unauthorized'}). Sign in again with a valid key.`;
    case 403: return `Forbidden (403): this key may not do that.${detail}`;
    case 404: return `Not found (404): ${problem.title ?? 'Not found'}.${detail} It does not exist, or it belongs to another owner.`;
    case 409: return `Not possible now (409): ${problem.title ?? 'Conflict'}.${detail}`;
    case 413: return `Too large (413):${detail}`;
    case 429: return `Rate limited (429): ${problem.title ?? 'Too many requests'}.${detail}`;
    default: return `${context}${problem.title ?? 'Error'} (${status}).${detail}`;
  }
}
