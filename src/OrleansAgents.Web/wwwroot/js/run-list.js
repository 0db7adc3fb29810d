// My runs: the first page of GET /api/runs, polled every few seconds while the list is shown, each run with
// a progress bar of its steps against its step limit.
import { api } from './api.js';
import { $, byTestId, h } from './dom.js';
import { age, statusLabel } from './format.js';
import { showError } from './message.js';
import { agentInfo } from './start-form.js';

const LIST_POLL_MS = 3000;
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

let listTimer = null;
let listLimit = 50;
let listGeneration = 0;

export function startListPolling() {
  stopListPolling();
  const generation = ++listGeneration;
  const tick = async () => {
    await refreshList(generation);
    if (generation === listGeneration) listTimer = setTimeout(tick, LIST_POLL_MS);
  };
  tick();
}

export function stopListPolling() {
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

/**
 * A run's progress: steps done against the most it takes (the list's `maxSteps`: a bench run's step count,
 * or its agent's step limit from GET /api/agents). A finished run without one is complete at its steps;
 * an unfinished one is indeterminate (`max` null).
 * @returns {{ now: number, max: number | null }}
 */
export function progressOf(run, agentLimit) {
  const steps = run.steps ?? 0;
  const limit = run.maxSteps ?? agentLimit ?? null;
  if (run.status === 'succeeded') return { now: steps, max: Math.max(steps, 1) }; // done, even below a limit
  if (limit !== null && limit > 0) return { now: Math.min(steps, limit), max: limit };
  return FINISHED.has(run.status) ? { now: steps, max: Math.max(steps, 1) } : { now: steps, max: null };
}

/** A bar with role=progressbar and no text of its own (the cell's text stays the step count). */
function progressBar(run) {
  const { now, max } = progressOf(run, agentInfo(run.agent)?.maxSteps);
  const known = max !== null;
  const label = known ? `${run.steps ?? 0} of ${max} steps` : `${run.steps ?? 0} steps, limit unknown`;
  const bar = h('span', {
    class: `progress ${run.status}${known ? '' : ' indeterminate'}`,
    role: 'progressbar',
    'aria-label': `Progress of ${run.runId}`,
    'aria-valuemin': 0,
    'aria-valuemax': known ? max : undefined,
    'aria-valuenow': known ? now : undefined,
    'aria-valuetext': label,
    title: label,
    dataset: { testid: 'run-progress' },
  }, h('span', { class: 'fill' }));
  if (known) bar.firstChild.style.width = `${(100 * now) / max}%`;
  return bar;
}

function renderList(page) {
  const rows = page.items.map((run) => h('tr', { dataset: { testid: 'run-row', runId: run.runId, status: run.status } },
    h('td', { class: 'id' }, h('a', { href: `/runs/${encodeURIComponent(run.runId)}`, 'data-link': true }, run.runId)),
    h('td', { 'data-label': 'Agent' }, run.agent),
    h('td', { 'data-label': 'Status' }, h('span', { class: `badge ${run.status}`, dataset: { testid: 'run-row-status' } }, statusLabel(run.status))),
    h('td', { 'data-label': 'Age', title: run.createdAt }, age(run.createdAt)),
    h('td', { class: 'num steps', 'data-label': 'Steps' }, h('span', { class: 'steps-cell' }, h('span', {}, String(run.steps ?? 0)), progressBar(run))),
    h('td', { class: 'num', 'data-label': 'Tokens' }, run.usage ? (run.usage.totalTokens ?? 0).toLocaleString('en') : '–')));
  $('tbody', byTestId('runs-list')).replaceChildren(...rows);
  byTestId('runs-empty').hidden = rows.length > 0;
  byTestId('runs-more').hidden = !page.nextCursor;
}

/** Wires the filters and "Show more". */
export function initRunList() {
  byTestId('filter-status').addEventListener('change', () => startListPolling());
  byTestId('filter-agent').addEventListener('change', () => startListPolling());
  byTestId('runs-more').addEventListener('click', () => {
    listLimit = Math.min(1000, listLimit + 50);
    startListPolling();
  });
}
