// A run's page: the header (with its parent, and a sleep's countdown), the approval panel and the controls;
// its children as a tree; the timeline as a picture and as cards. The follower brings the events, the
// timeline model folds them, the cards and the picture show them.
import { api } from './api.js';
import { $, byTestId } from './dom.js';
import { age, countdown, localTime, pretty, statusLabel, tokens } from './format.js';
import { RunFollower } from './follower.js';
import { clearError, showError } from './message.js';
import { createRunFamily } from './run-family.js';
import { createStepCards } from './step-cards.js';
import { fold, newTimeline, stepsDone } from './timeline.js';
import { createTimelinePicture } from './timeline-svg.js';

const ERROR_CONTEXT = { open: 'Could not open the run: ', events: 'Could not read the run\'s events: ', lost: 'Lost the run: ' };

/** The open run: { runId, run, model, follower, timers }; null when no run page is shown. */
let view = null;
let cards;
let picture;
let family;

export function closeRun() {
  if (!view) return;
  view.follower.close();
  family.reset();
  clearInterval(view.ageTimer);
  clearInterval(view.clockTimer);
  cancelAnimationFrame(view.frame);
  view = null;
}

/** Shows a run: its record first, then its live events. Opening the run already shown does nothing. */
export function openRun(runId) {
  if (view?.runId === runId) return;
  closeRun();
  const state = { runId, run: null, model: newTimeline(), follower: null, ageTimer: null, clockTimer: null, frame: 0 };
  view = state;
  byTestId('run-id').textContent = runId;
  cards.reset();
  picture.reset();
  family.reset();
  byTestId('pending-approval').hidden = true;
  byTestId('run-sleeping').hidden = true;
  for (const id of ['run-status', 'run-agent', 'run-steps', 'run-tokens', 'run-age']) byTestId(id).textContent = '';
  setControls();
  state.follower = new RunFollower(runId, {
    onConnection: setConnection,
    onRun(run, when) {
      state.run = run;
      if (when === 'open') {
        delete byTestId('run-view').dataset.error;
        state.model.status = run.status;
        state.ageTimer = setInterval(renderHeader, 5000);
        // Open bars grow with the clock while the run goes on.
        state.clockTimer = setInterval(() => {
          if (state.model.terminal) return;
          drawSoon();
          renderSleep();
        }, 1000);
      }
      family.show(run);
      renderHeader();
    },
    onEvent(e) {
      const change = fold(state.model, e);
      if (change) cards.render(state.model, e, change);
      family.event(e);
      renderHeader();
      drawSoon();
    },
    onError(error, phase) {
      showError(error, ERROR_CONTEXT[phase]);
      if (phase === 'open') byTestId('run-view').dataset.error = String(error.status ?? '');
    },
  });
  state.follower.start();
}

/** Redraws the picture at the next frame (one drawing for many events). */
function drawSoon() {
  const state = view;
  if (!state || state.frame) return;
  state.frame = requestAnimationFrame(() => {
    state.frame = 0;
    if (view === state) picture.draw(state.model);
  });
}

function setConnection(connection) {
  const box = byTestId('connection');
  box.dataset.state = connection;
  $('.label', box).textContent = connection;
}

function renderHeader() {
  const state = view;
  if (!state) return;
  const { model } = state;
  const run = state.run ?? {};
  const status = model.terminal || model.lastSeq > 0 ? model.status : (run.status ?? model.status);
  const badge = byTestId('run-status');
  badge.textContent = statusLabel(status);
  badge.className = `badge ${status}`;
  byTestId('run-view').dataset.status = status;
  byTestId('run-agent').textContent = run.agent
    ? `agent ${run.agent}${run.agentVersion ? ` v${run.agentVersion}` : ''}${run.waitingForVersion ? ` · waits for a silo with version ${run.waitingForVersion.version}` : ''}`
    : '';
  const steps = Math.max(run.steps ?? 0, stepsDone(model));
  byTestId('run-steps').textContent = `${steps} step${steps === 1 ? '' : 's'}`;
  byTestId('run-tokens').textContent = tokens(model.usage ?? run.usage);
  byTestId('run-age').textContent = run.createdAt ? `started ${age(run.createdAt)}` : '';
  byTestId('run-view').dataset.lastSeq = String(model.lastSeq);

  const pending = model.pending ?? (status === 'waitingForInput' ? run.waitingFor : null);
  const panel = byTestId('pending-approval');
  panel.hidden = !pending || model.terminal;
  if (pending) {
    panel.dataset.step = String(pending.step ?? '');
    panel.dataset.requestSeq = String(pending.seq ?? ''); // the question shown: an answer names it
    byTestId('approval-question').textContent = pending.question
      ?? (pending.kind === 'outcome-unknown' ? 'The tool may or may not have run. Run it again?' : 'May the agent run this tool?');
    byTestId('approval-tool').textContent = pending.tool ?? '';
    byTestId('approval-arguments').textContent = pretty(pending.arguments);
  }
  renderSleep();
  setControls();
}

/** "Sleeping until <time> in 9 min 58 s" while the run sleeps on a durable timer (its events, or its JSON before them). */
function renderSleep() {
  const state = view;
  if (!state) return;
  const { model } = state;
  const until = model.sleepingUntil ?? (model.lastSeq === 0 && state.run?.sleepingUntil ? Date.parse(state.run.sleepingUntil) : null);
  const box = byTestId('run-sleeping');
  box.hidden = until === null || model.terminal;
  if (box.hidden) return;
  const time = byTestId('sleeping-until');
  time.dateTime = new Date(until).toISOString();
  time.textContent = localTime(until);
  byTestId('sleeping-countdown').textContent = `(${countdown(until)})`;
}

function setControls() {
  const active = view && view.run && !view.model.terminal;
  byTestId('cancel').disabled = !active;
  byTestId('steer-send').disabled = !active;
  byTestId('steer-input').disabled = !active;
}

async function sendInput(body, button) {
  const state = view;
  if (!state) return false;
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

/**
 * Approve or reject the question the panel shows, by its seq: if someone else answered it and the run asks
 * another meanwhile, the run refuses this answer (409) instead of applying it to a question not shown here.
 */
function decide(kind, field) {
  return (event) => {
    const note = byTestId('decision-note').value.trim();
    const requestSeq = Number(byTestId('pending-approval').dataset.requestSeq) || 0;
    const body = { kind, ...(note ? { [field]: note } : {}), ...(requestSeq > 0 ? { requestSeq } : {}) };
    sendInput(body, event.currentTarget)
      .then((ok) => { if (ok) byTestId('decision-note').value = ''; });
  };
}

async function cancel(event) {
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
}

/** Wires the run page's buttons and builds its timeline views. */
export function initRunPage() {
  cards = createStepCards(byTestId('timeline'));
  const figure = byTestId('timeline-picture');
  picture = createTimelinePicture(figure);
  family = createRunFamily();
  new ResizeObserver(() => { if (view) drawSoon(); }).observe(figure);
  byTestId('approve').addEventListener('click', decide('approve', 'comment'));
  byTestId('reject').addEventListener('click', decide('reject', 'reason'));
  byTestId('cancel').addEventListener('click', cancel);
  byTestId('steer-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = byTestId('steer-input');
    const message = input.value.trim();
    if (!message) return;
    if (await sendInput({ kind: 'message', message }, byTestId('steer-send'))) input.value = '';
  });
}
