// OrleansAgents web page: sign in with an API key, start runs, list them, follow one live.
// No framework and no build step. Everything the page shows comes from the API (docs/EVENTS.md).

const KEY_STORAGE = 'orleansAgents.apiKey';
const SUGGESTED_AGENTS = ['voice-agent-builder', 'bench'];
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const LIST_POLL_MS = 3000;

const $ = (selector, root = document) => root.querySelector(selector);
const byTestId = (id, root = document) => root.querySelector(`[data-testid="${id}"]`);

// ---------------------------------------------------------------------------------------------
// Small DOM helper: h('div', { class: 'x', dataset: { seq: 3 } }, 'text', child). Text is always text.

function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name === 'class') element.className = value;
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

function pretty(value) {
  if (value === undefined) return '';
  if (typeof value === 'string') {
    try { return JSON.stringify(JSON.parse(value), null, 2); } catch { return value; }
  }
  return JSON.stringify(value, null, 2);
}

function age(iso) {
  if (!iso) return '';
  const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return `${Math.floor(seconds)} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

function duration(ms) {
  if (ms === undefined || ms === null) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

function tokens(usage) {
  if (!usage) return '';
  const total = usage.totalTokens ?? ((usage.inputTokens ?? 0) + (usage.outputTokens ?? 0));
  return `${total.toLocaleString('en')} tokens`;
}

function statusLabel(status) {
  return status === 'waitingForInput' ? 'waiting for input' : (status ?? '');
}

// ---------------------------------------------------------------------------------------------
// API access: every error becomes an ApiError carrying the problem details.

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

const session = {
  get key() { return sessionStorage.getItem(KEY_STORAGE); },
  set key(value) {
    if (value) sessionStorage.setItem(KEY_STORAGE, value);
    else sessionStorage.removeItem(KEY_STORAGE);
  },
};

async function api(path, { method = 'GET', body, idempotencyKey } = {}) {
  const headers = { Accept: 'application/json' };
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  if (session.key) headers.Authorization = `Bearer ${session.key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
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
function describe(error, context = '') {
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

const messageBox = byTestId('error');

function showError(error, context) {
  messageBox.textContent = typeof error === 'string' ? error : describe(error, context);
  messageBox.dataset.status = error?.status ?? '';
  messageBox.hidden = false;
  if (error?.status === 401) signOut({ keepMessage: true });
}

function clearError() {
  messageBox.hidden = true;
  messageBox.textContent = '';
  delete messageBox.dataset.status;
}

// ---------------------------------------------------------------------------------------------
// Routing: "/" is the run list, "/runs/{id}" a run. Deep links load index.html (server fallback).

let currentView = null;

function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  route();
}

function route() {
  const path = location.pathname;
  if (!session.key) {
    show('signin');
    return;
  }
  const match = /^\/runs\/([^/]+)\/?$/.exec(path);
  if (match) {
    show('run');
    openRun(decodeURIComponent(match[1]));
  } else {
    show('runs');
  }
}

function show(view) {
  if (currentView === 'run' && view !== 'run') closeRun();
  if (currentView === 'runs' && view !== 'runs') stopListPolling();
  currentView = view;
  for (const section of document.querySelectorAll('[data-view]')) section.hidden = section.dataset.view !== view;
  byTestId('account').hidden = !session.key;
  if (view === 'runs') startListPolling();
  if (view === 'signin') $('#api-key').focus();
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-link]');
  if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  clearError();
  navigate(link.getAttribute('href'));
});
window.addEventListener('popstate', route);

// ---------------------------------------------------------------------------------------------
// Sign in and out.

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
  loadAgents();
  route();
});

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

async function loadCaller() {
  try {
    showCaller(await api('/api/me'));
  } catch {
    showCaller(null);
  }
}

function signOut({ keepMessage = false } = {}) {
  session.key = null;
  showCaller(null);
  if (!keepMessage) clearError();
  route();
}

byTestId('sign-out').addEventListener('click', () => signOut());


// ---------------------------------------------------------------------------------------------
// Starting a run.

const startForm = byTestId('start-form');
const agentInput = byTestId('agent');

/** Sample document names for voice-agent-builder, from GET /api/agents. */
let sampleDocuments = [];

async function loadAgents() {
  let agents = [];
  try {
    agents = (await api('/api/agents'))?.items ?? [];
  } catch {
    agents = [];
  }
  const names = [...new Set([...agents.map((a) => a.name), ...SUGGESTED_AGENTS])];
  $('#agent-names').replaceChildren(...names.map((name) => h('option', { value: name })));
  sampleDocuments = agents.find((a) => a.name === 'voice-agent-builder')?.sampleDocuments ?? [];
  renderSampleDocuments();
}

function renderSampleDocuments() {
  const box = byTestId('sample-documents');
  box.replaceChildren(...sampleDocuments.map((name) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'document', value: name, checked: true, dataset: { testid: 'sample-document' } }),
    ' ', name)));
  if (sampleDocuments.length === 0) box.replaceChildren(h('p', { class: 'small' }, 'Name the documents the agent should use below.'));
}

function syncAgentInputs() {
  const agent = agentInput.value.trim();
  const special = agent === 'voice-agent-builder';
  for (const block of startForm.querySelectorAll('[data-input-for]')) {
    block.hidden = special ? block.dataset.inputFor !== agent : block.dataset.inputFor !== '*';
  }
}

agentInput.addEventListener('input', syncAgentInputs);
agentInput.addEventListener('change', syncAgentInputs);

function buildInput(agent) {
  if (agent === 'voice-agent-builder') {
    const request = byTestId('request').value.trim();
    if (!request) throw new Error('Write a request for the agent.');
    const picked = [...startForm.querySelectorAll('input[name="document"]:checked')].map((box) => box.value);
    const extra = byTestId('extra-documents').value.split('\n').map((line) => line.trim()).filter(Boolean);
    return { request, documents: [...picked, ...extra] };
  }
  const text = byTestId('input-json').value.trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`The input is not valid JSON: ${error.message}`);
  }
}

startForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const agent = agentInput.value.trim();
  let input;
  try {
    input = buildInput(agent);
  } catch (error) {
    showError(error.message);
    return;
  }
  const button = byTestId('start-run');
  button.disabled = true;
  try {
    const run = await api('/api/runs', { method: 'POST', body: { agent, input } });
    clearError();
    navigate(`/runs/${encodeURIComponent(run.runId)}`);
  } catch (error) {
    showError(error, 'Could not start the run: ');
  } finally {
    button.disabled = false;
  }
});

// ---------------------------------------------------------------------------------------------
// My runs: the first page, polled every few seconds while the list is shown.

let listTimer = null;
let listLimit = 50;
let listGeneration = 0;

function startListPolling() {
  stopListPolling();
  const generation = ++listGeneration;
  const tick = async () => {
    await refreshList(generation);
    if (generation === listGeneration) listTimer = setTimeout(tick, LIST_POLL_MS);
  };
  tick();
}

function stopListPolling() {
  listGeneration++;
  clearTimeout(listTimer);
  listTimer = null;
}

async function refreshList(generation) {
  const params = new URLSearchParams({ limit: String(listLimit) });
  const status = byTestId('filter-status').value;
  const agent = byTestId('filter-agent').value.trim();
  if (status) params.set('status', status);
  if (agent) params.set('agent', agent);
  let page;
  try {
    page = await api(`/api/runs?${params}`);
  } catch (error) {
    if (generation === listGeneration) showError(error, 'Could not load your runs: ');
    return;
  }
  if (generation !== listGeneration) return;
  renderList(page);
}

function renderList(page) {
  const rows = page.items.map((run) => h('tr', { dataset: { testid: 'run-row', runId: run.runId, status: run.status } },
    h('td', { class: 'id' }, h('a', { href: `/runs/${encodeURIComponent(run.runId)}`, 'data-link': true }, run.runId)),
    h('td', { 'data-label': 'Agent' }, run.agent),
    h('td', { 'data-label': 'Status' }, h('span', { class: `badge ${run.status}`, dataset: { testid: 'run-row-status' } }, statusLabel(run.status))),
    h('td', { 'data-label': 'Age', title: run.createdAt }, age(run.createdAt)),
    h('td', { class: 'num', 'data-label': 'Steps' }, String(run.steps ?? 0)),
    h('td', { class: 'num', 'data-label': 'Tokens' }, run.usage ? (run.usage.totalTokens ?? 0).toLocaleString('en') : '–')));
  $('tbody', byTestId('runs-list')).replaceChildren(...rows);
  byTestId('runs-empty').hidden = rows.length > 0;
  byTestId('runs-more').hidden = !page.nextCursor;
}

byTestId('filter-status').addEventListener('change', () => startListPolling());
byTestId('filter-agent').addEventListener('change', () => startListPolling());
byTestId('runs-more').addEventListener('click', () => {
  listLimit = Math.min(1000, listLimit + 50);
  startListPolling();
});

// ---------------------------------------------------------------------------------------------
// A run's page: rebuild from the record (GET /events), then follow the live stream from the last seq.

/** State of the open run; null when no run page is shown. */
let view = null;

function closeRun() {
  if (!view) return;
  view.closed = true;
  view.source?.close();
  clearTimeout(view.retryTimer);
  clearInterval(view.ageTimer);
  view = null;
}

async function openRun(runId) {
  if (view?.runId === runId) return;
  closeRun();
  const state = {
    runId,
    run: null,
    lastSeq: 0,
    status: 'pending',
    steps: new Map(), // step index -> { card, ... }
    usage: null,
    pending: null, // the open input.requested data
    terminal: false,
    source: null,
    retryTimer: null,
    retryDelay: 500,
    closed: false,
  };
  view = state;
  byTestId('run-id').textContent = runId;
  byTestId('timeline').replaceChildren();
  byTestId('pending-approval').hidden = true;
  for (const id of ['run-status', 'run-agent', 'run-steps', 'run-tokens', 'run-age']) byTestId(id).textContent = '';
  setConnection('connecting');
  setControls();

  try {
    state.run = await api(`/api/runs/${encodeURIComponent(runId)}`);
  } catch (error) {
    if (state.closed) return;
    showError(error, 'Could not open the run: ');
    setConnection('error');
    byTestId('run-view').dataset.error = String(error.status ?? '');
    return;
  }
  delete byTestId('run-view').dataset.error;
  if (state.closed) return;
  state.status = state.run.status;
  renderHeader();
  state.ageTimer = setInterval(renderHeader, 5000);

  if (!(await catchUp(state))) return;
  if (state.terminal) {
    setConnection('ended');
    return;
  }
  connect(state);
}

/** Reads the record after the last shown seq, page by page. False when the run could not be read. */
async function catchUp(state) {
  for (;;) {
    let events;
    try {
      events = await api(`/api/runs/${encodeURIComponent(state.runId)}/events?after=${state.lastSeq}&limit=1000`);
    } catch (error) {
      if (!state.closed) {
        showError(error, 'Could not read the run\'s events: ');
        setConnection('error');
      }
      return false;
    }
    if (state.closed) return false;
    for (const e of events) apply(state, e);
    if (events.length < 1000) return true;
  }
}

async function connect(state) {
  if (state.closed || state.terminal) return;
  // EventSource cannot send headers: a short-lived token for this run's stream, never the API key, goes in the URL.
  let token;
  try {
    token = (await api(`/api/runs/${encodeURIComponent(state.runId)}/stream-token`, { method: 'POST' })).token;
  } catch {
    reconnect(state, state.retryDelay);
    return;
  }
  if (state.closed || state.terminal) return;
  const url = `/api/runs/${encodeURIComponent(state.runId)}/events/stream`
    + `?after=${state.lastSeq}&access_token=${encodeURIComponent(token)}`;
  const source = new EventSource(url);
  state.source = source;
  setConnection(state.lastSeq > 0 || state.reconnecting ? 'reconnecting' : 'connecting');
  source.onopen = () => {
    if (state.source !== source) return;
    state.retryDelay = 500;
    state.reconnecting = false;
    setConnection('connected');
  };
  source.onmessage = (message) => {
    if (state.source !== source) return;
    let e;
    try { e = JSON.parse(message.data); } catch { return; }
    if (!apply(state, e)) {
      // A gap: reconnect from the last seq shown; the server sends exactly what is missing.
      source.close();
      reconnect(state, 0);
      return;
    }
    if (state.terminal) {
      source.close();
      state.source = null;
      setConnection('ended');
    }
  };
  source.onerror = () => {
    if (state.source !== source) return;
    // EventSource would retry by itself; we take over so that the state shown is ours and the
    // resume point is always the last seq the page shows.
    source.close();
    state.source = null;
    if (state.terminal) {
      setConnection('ended');
      return;
    }
    reconnect(state, state.retryDelay);
    state.retryDelay = Math.min(5000, state.retryDelay * 2);
  };
}

function reconnect(state, delay) {
  if (state.closed) return;
  state.reconnecting = true;
  setConnection('reconnecting');
  clearTimeout(state.retryTimer);
  state.retryTimer = setTimeout(async () => {
    if (state.closed) return;
    // The stream answers errors (401, 404, 429) with a status EventSource cannot show: ask the API.
    try {
      const run = await api(`/api/runs/${encodeURIComponent(state.runId)}`);
      if (state.closed) return;
      state.run = run;
      renderHeader();
    } catch (error) {
      if (state.closed) return;
      if (error.status === 0 || error.status >= 500) {
        reconnect(state, Math.min(5000, Math.max(500, delay * 2)));
      } else {
        showError(error, 'Lost the run: ');
        setConnection('error');
      }
      return;
    }
    // Catch up from the record first when the run has gone on (or ended) meanwhile.
    if (!(await catchUp(state))) return;
    if (state.terminal) {
      setConnection('ended');
      return;
    }
    connect(state);
  }, delay);
}

function setConnection(connection) {
  const box = byTestId('connection');
  box.dataset.state = connection;
  $('.label', box).textContent = connection;
}

// ---------------------------------------------------------------------------------------------
// Applying events. Committed events are keyed by seq: one seq is shown once, in order.

/** Applies one event; false when a committed event skips ahead (a gap the caller must fill). */
function apply(state, e) {
  if (e.seq <= state.lastSeq) return true; // already shown
  if (e.seq !== state.lastSeq + 1) return false;
  state.lastSeq = e.seq;
  const data = e.data ?? {};
  switch (e.type) {
    case 'run.started':
      state.status = 'running';
      runEntry(e, 'Run started', h('div', { class: 'small' }, `agent ${data.agent} v${data.version} · owner ${data.owner}`),
        details('Input', data.input));
      break;
    case 'run.upgraded':
      runEntry(e, 'Run upgraded', h('div', { class: 'small' },
        `agent version ${data.from} → ${data.to}: no silo hosts ${data.from} any more, the run goes on with the current definition`));
      break;
    case 'run.pinned':
      runEntry(e, 'Run waits for its agent version', h('div', { class: 'small' },
        `no silo hosts version ${data.version}; the run fails at ${data.until} unless one comes back`));
      break;
    case 'run.resumed':
      runEntry(e, 'Run resumed', h('div', { class: 'small' },
        `on ${data.silo ?? 'another silo'}${data.step !== undefined && data.step !== null ? ` at step ${data.step}` : ''}`));
      break;
    case 'step.started':
      stepStarted(state, e);
      break;
    case 'step.delta': // the model's streamed text, drafted a few times a second
      applyDelta(state, e);
      break;
    case 'tool.intent':
      stepLine(state, e, 'intent', `Tool ${data.tool} is about to run`, data.idempotencyKey ? `key ${data.idempotencyKey}` : '');
      break;
    case 'step.retrying': {
      const step = ensureStep(state, data.step, e);
      step.retries += 1;
      step.liveText = ''; // the next attempt streams its text anew
      step.card.dataset.retries = String(step.retries);
      $('.retries', step.card).textContent = `${step.retries} ${step.retries === 1 ? 'retry' : 'retries'}`;
      stepLine(state, e, 'retrying', `Attempt ${data.attempt} failed; retrying in ${duration(data.delayMs)}`, data.error ?? '');
      break;
    }
    case 'input.requested':
      state.status = 'waitingForInput';
      state.pending = data;
      stepLine(state, e, 'requested',
        data.kind === 'approval' ? `Approval requested for ${data.tool}` : `Outcome unknown for ${data.tool}: a decision is needed`,
        data.question ?? '');
      setStepState(state, data.step, 'waiting');
      break;
    case 'input.approved':
      state.status = 'running';
      state.pending = null;
      stepLine(state, e, 'approved', 'Approved', data.comment ?? '');
      setStepState(state, data.step, 'running');
      break;
    case 'input.rejected':
      state.status = 'running';
      state.pending = null;
      stepLine(state, e, 'rejected', 'Rejected', data.reason ?? '');
      setStepState(state, data.step, 'running');
      break;
    case 'input.message':
      runEntry(e, 'You said', h('p', { class: 'said' }, data.message ?? ''));
      break;
    case 'step.completed':
      stepCompleted(state, e);
      break;
    case 'run.succeeded':
      state.status = 'succeeded';
      state.terminal = true;
      if (data.usage) state.usage = data.usage;
      runEntry(e, 'Run succeeded', resultView(data.output), data.usage ? h('div', { class: 'small' }, tokens(data.usage)) : null)
        .dataset.testid = 'final-result';
      break;
    case 'run.failed':
      state.status = 'failed';
      state.terminal = true;
      runEntry(e, 'Run failed', h('p', { class: 'error-text' }, data.error ?? ''),
        data.step !== undefined && data.step !== null ? h('div', { class: 'small' }, `at step ${data.step}`) : null)
        .dataset.testid = 'final-result';
      break;
    case 'run.cancelled':
      state.status = 'cancelled';
      state.terminal = true;
      runEntry(e, 'Run cancelled', h('p', {}, data.reason ?? '')).dataset.testid = 'final-result';
      break;
    default:
      runEntry(e, e.type, details('Data', data));
  }
  if (state.terminal) {
    for (const step of state.steps.values()) {
      if (!step.done) setStepState(state, step.index, 'stopped');
    }
    state.pending = null;
  }
  renderHeader();
  return true;
}

function entryTime(e) {
  return h('time', { datetime: e.at, title: e.at }, e.at ? new Date(e.at).toLocaleTimeString() : '');
}

/** A run-level timeline entry (not part of a step). */
function runEntry(e, title, ...body) {
  const entry = h('li', { class: `entry run-event ${e.type.replace('.', '-')}`, dataset: { seq: e.seq, type: e.type, testid: 'event' } },
    h('div', { class: 'entry-head' }, h('span', { class: 'title' }, title), h('span', { class: 'seq' }, `#${e.seq}`), entryTime(e)),
    ...body);
  byTestId('timeline').append(entry);
  return entry;
}

function ensureStep(state, index, e) {
  if (state.steps.has(index)) return state.steps.get(index);
  // A step event without a step.started before it (should not happen): show the step anyway.
  return stepStarted(state, { seq: null, type: 'step.started', at: e.at, data: { step: index, name: `step ${index}` } });
}

function stepStarted(state, e) {
  const data = e.data ?? {};
  const index = data.step;
  const name = data.name ?? '';
  const kind = name === 'model' ? 'model' : name.startsWith('tool:') ? 'tool' : 'other';
  const existing = state.steps.get(index);
  if (existing) {
    // The step started again (e.g. re-decided after a resume): keep one card, note the restart.
    stepLine(state, e, 'restarted', 'Step started again', '');
    return existing;
  }
  const card = h('li', {
    class: `entry step ${kind}`,
    dataset: { step: index, name, kind, state: 'running', testid: 'step', ...(e.seq ? { seq: e.seq, type: e.type } : {}) },
  },
  h('div', { class: 'entry-head' },
    h('span', { class: 'title' }, h('span', { class: 'step-no' }, `Step ${index}`), ' ', h('span', { class: 'step-name' }, stepTitle(name, data.args))),
    h('span', { class: 'state-badge', dataset: { testid: 'step-state' } }, 'running'),
    h('span', { class: 'retries' }),
    h('span', { class: 'duration', dataset: { testid: 'step-duration' } }),
    h('span', { class: 'usage', dataset: { testid: 'step-usage' } }),
    e.seq ? h('span', { class: 'seq' }, `#${e.seq}`) : null,
    entryTime(e)),
  argsView(kind, data.args),
  h('div', { class: 'live', dataset: { testid: 'live-text' }, hidden: true }),
  h('ul', { class: 'lines' }),
  h('div', { class: 'result', dataset: { testid: 'step-result' } }));
  const step = { index, name, kind, card, retries: 0, done: false, liveText: '' };
  state.steps.set(index, step);
  byTestId('timeline').append(card);
  return step;
}

function stepTitle(name, args) {
  if (name === 'model') return 'Model call';
  if (name.startsWith('tool:')) return `Tool ${args?.tool ?? name.slice(5)}`;
  return name;
}

function argsView(kind, args) {
  if (args === undefined || args === null) return null;
  if (kind === 'model') {
    const messages = args.messages ?? [];
    return h('div', { class: 'args' },
      h('details', {}, h('summary', {}, `${messages.length} new message${messages.length === 1 ? '' : 's'}`
        + (args.tools?.length ? ` · tools: ${args.tools.join(', ')}` : '')),
      h('ol', { class: 'messages' }, messages.map((m) => h('li', { class: `message ${m.role}` },
        h('span', { class: 'role' }, m.role + (m.toolName ? ` (${m.toolName})` : '')),
        h('div', { class: 'text' }, m.text ?? ''))))));
  }
  if (kind === 'tool') {
    return h('div', { class: 'args' }, h('div', { class: 'label' }, 'Arguments'),
      jsonBlock(args.arguments, 'tool-arguments'));
  }
  if (typeof args === 'object' && Object.keys(args).length === 0) return null;
  return h('div', { class: 'args' }, details('Arguments', args));
}

/** JSON shown in full when short, folded behind a one-line summary when long. */
function jsonBlock(value, testid) {
  const text = pretty(value);
  const lines = text.split('\n').length;
  const pre = h('pre', { class: 'json', dataset: testid ? { testid } : undefined }, text);
  if (lines <= 12) return pre;
  return h('details', { class: 'fold' }, h('summary', {}, `${lines} lines`), pre);
}

function details(label, value, open = false) {
  if (value === undefined || value === null) return null;
  return h('details', { open }, h('summary', {}, label), h('pre', { class: 'json' }, pretty(value)));
}

function resultView(value) {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return h('div', { class: 'output text' }, value);
  return h('pre', { class: 'output json' }, pretty(value));
}

function stepLine(state, e, kind, text, detail) {
  const step = ensureStep(state, e.data?.step, e);
  $('.lines', step.card).append(h('li', { class: `line ${kind}`, dataset: { seq: e.seq, type: e.type, testid: 'event' } },
    h('span', { class: 'seq' }, `#${e.seq}`), ' ', h('span', { class: 'line-text' }, text),
    detail ? h('span', { class: 'line-detail' }, ` — ${detail}`) : null));
}

function setStepState(state, index, stepState) {
  const step = state.steps.get(index);
  if (!step) return;
  step.card.dataset.state = stepState;
  $('.state-badge', step.card).textContent = stepState;
}

function applyDelta(state, e) {
  const index = e.data?.step;
  const step = state.steps.get(index);
  if (!step || step.done) return; // deltas for a step not shown yet, or already committed
  step.liveText += e.data?.text ?? '';
  const live = $('.live', step.card);
  live.hidden = false;
  live.textContent = step.liveText;
}

function stepCompleted(state, e) {
  const data = e.data ?? {};
  const step = ensureStep(state, data.step, e);
  step.done = true;
  step.card.dataset.completedSeq = String(e.seq);
  setStepState(state, data.step, 'done');
  $('.duration', step.card).textContent = duration(data.durationMs);
  if (data.usage) {
    $('.usage', step.card).textContent = tokens(data.usage);
    const sum = state.usage ?? { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
    state.usage = {
      inputTokens: (sum.inputTokens ?? 0) + (data.usage.inputTokens ?? 0),
      outputTokens: (sum.outputTokens ?? 0) + (data.usage.outputTokens ?? 0),
      totalTokens: (sum.totalTokens ?? 0) + (data.usage.totalTokens ?? 0),
    };
  }
  // The committed result replaces the streamed text.
  const live = $('.live', step.card);
  live.hidden = true;
  live.textContent = '';
  const result = $('.result', step.card);
  result.dataset.seq = String(e.seq);
  result.dataset.type = e.type;
  result.replaceChildren(h('span', { class: 'seq' }, `#${e.seq}`), ...stepResultView(step.kind, data.result));
}

function stepResultView(kind, result) {
  if (result === undefined || result === null) return [h('span', { class: 'small' }, 'completed')];
  if (kind === 'model') {
    return [
      result.text ? h('div', { class: 'model-text', dataset: { testid: 'model-text' } }, result.text) : null,
      ...(result.toolCalls ?? []).map((call) => h('div', { class: 'tool-call' },
        h('span', { class: 'label' }, 'calls'), ' ', h('code', {}, call.name), jsonBlock(call.arguments))),
      h('div', { class: 'small' }, [result.finishReason, result.model].filter(Boolean).join(' · ')),
    ];
  }
  if (kind === 'tool') {
    if (result.rejected) return [h('div', { class: 'error-text' }, `Rejected${result.reason ? `: ${result.reason}` : ''}`)];
    if (result.error) return [h('div', { class: 'error-text' }, `Tool error: ${pretty(result.error)}`)];
    const output = result.output;
    return [h('div', { class: 'label' }, 'Output'), typeof output === 'string' && !output.trim().startsWith('{') && !output.trim().startsWith('[')
      ? resultView(output) : jsonBlock(output)];
  }
  return [details('Result', result)];
}

// ---------------------------------------------------------------------------------------------
// Header, approval panel and controls.

function renderHeader() {
  const state = view;
  if (!state) return;
  const run = state.run ?? {};
  const status = state.terminal || state.lastSeq > 0 ? state.status : (run.status ?? state.status);
  const badge = byTestId('run-status');
  badge.textContent = statusLabel(status);
  badge.className = `badge ${status}`;
  byTestId('run-view').dataset.status = status;
  byTestId('run-agent').textContent = run.agent
    ? `agent ${run.agent}${run.agentVersion ? ` v${run.agentVersion}` : ''}${run.waitingForVersion ? ` · waits for a silo with version ${run.waitingForVersion.version}` : ''}`
    : '';
  const steps = Math.max(run.steps ?? 0, [...state.steps.values()].filter((s) => s.done).length);
  byTestId('run-steps').textContent = `${steps} step${steps === 1 ? '' : 's'}`;
  byTestId('run-tokens').textContent = tokens(state.usage ?? run.usage);
  byTestId('run-age').textContent = run.createdAt ? `started ${age(run.createdAt)}` : '';
  byTestId('run-view').dataset.lastSeq = String(state.lastSeq);

  const pending = state.pending ?? (status === 'waitingForInput' ? run.waitingFor : null);
  const panel = byTestId('pending-approval');
  panel.hidden = !pending || state.terminal;
  if (pending) {
    panel.dataset.step = String(pending.step ?? '');
    byTestId('approval-question').textContent = pending.question
      ?? (pending.kind === 'outcome-unknown' ? 'The tool may or may not have run. Run it again?' : 'May the agent run this tool?');
    byTestId('approval-tool').textContent = pending.tool ?? '';
    byTestId('approval-arguments').textContent = pretty(pending.arguments);
  }
  setControls();
}

function setControls() {
  const state = view;
  const active = state && state.run && !state.terminal;
  byTestId('cancel').disabled = !active;
  byTestId('steer-send').disabled = !active;
  byTestId('steer-input').disabled = !active;
}

async function sendInput(body, button) {
  const state = view;
  if (!state) return;
  button.disabled = true;
  try {
    // One key per action: a retried request is applied once.
    state.run = await api(`/api/runs/${encodeURIComponent(state.runId)}/input`, { method: 'POST', body, idempotencyKey: crypto.randomUUID() });
    clearError();
    return true;
  } catch (error) {
    showError(error);
    return false;
  } finally {
    button.disabled = false;
  }
}

byTestId('approve').addEventListener('click', (event) => {
  const comment = byTestId('decision-note').value.trim();
  sendInput(comment ? { kind: 'approve', comment } : { kind: 'approve' }, event.currentTarget)
    .then((ok) => { if (ok) byTestId('decision-note').value = ''; });
});

byTestId('reject').addEventListener('click', (event) => {
  const reason = byTestId('decision-note').value.trim();
  sendInput(reason ? { kind: 'reject', reason } : { kind: 'reject' }, event.currentTarget)
    .then((ok) => { if (ok) byTestId('decision-note').value = ''; });
});

byTestId('steer-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = byTestId('steer-input');
  const message = input.value.trim();
  if (!message) return;
  if (await sendInput({ kind: 'message', message }, byTestId('steer-send'))) input.value = '';
});

byTestId('cancel').addEventListener('click', async (event) => {
  const state = view;
  if (!state) return;
  const button = event.currentTarget;
  button.disabled = true;
  try {
    state.run = await api(`/api/runs/${encodeURIComponent(state.runId)}/cancel`, { method: 'POST' });
    clearError();
  } catch (error) {
    showError(error, 'Could not cancel: ');
    button.disabled = false;
  }
});

// ---------------------------------------------------------------------------------------------

syncAgentInputs();
if (session.key) {
  loadCaller();
  loadAgents();
}
route();
