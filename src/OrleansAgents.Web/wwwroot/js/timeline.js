// The timeline model: a fold of a run's committed events (docs/EVENTS.md) into its steps, status, usage and
// the time each step spent on what. No DOM and no I/O: `fold` changes only the model it is given, and the
// same events always give the same model. The step cards and the timeline picture both draw from it.

/**
 * A stretch of a step's time: working (`model`, `tool`, `other`: the step's kind), waiting for a person
 * (`wait`), sleeping on a durable timer (`sleep`), or an attempt that failed and was retried (`retry`).
 * Times in ms since the epoch.
 * @typedef {{ kind: 'model' | 'tool' | 'other' | 'wait' | 'sleep' | 'retry', from: number, to: number }} Segment
 *
 * @typedef {object} Step
 * @property {number} index
 * @property {string} name           `model`, `tool:<name>`, `bench.step`, ...
 * @property {'model' | 'tool' | 'other'} kind
 * @property {object} [args]
 * @property {number | null} seq      the seq of its step.started (null: shown without one)
 * @property {'running' | 'waiting' | 'done' | 'stopped'} state
 * @property {number} retries
 * @property {boolean} done
 * @property {string} liveText        the current attempt's streamed text (step.delta drafts)
 * @property {number | null} durationMs  from step.completed
 * @property {object} [usage]
 * @property {unknown} [result]
 * @property {number | null} startedAt
 * @property {number | null} endedAt
 * @property {Segment[]} segments     closed stretches, in time order
 * @property {{ kind: Segment['kind'], from: number } | null} open  the stretch going on now
 * @property {number | null} sleepUntil  while the step sleeps on a durable timer (timer.started): when it wakes
 * @property {{ runId: string, agent: string, status: string }[]} children  the child runs it started (child.*)
 *
 * @typedef {{ type: 'resumed' | 'failed' | 'cancelled' | 'pinned', at: number, from?: number, step?: number, text: string }} Mark
 *   `resumed` marks a new activation taking the run over; `from` is the last instant the run was seen before.
 */

/** Stretches where the step waits on purpose: they go on through a resume. */
const WAITING = new Set(['wait', 'sleep']);

/** The step kind from its name. */
export const stepKind = (name) => (name === 'model' ? 'model' : name.startsWith('tool:') ? 'tool' : 'other');

/** A step's title for people: "Model call", "Tool write_file", or its name. */
export function stepTitle(name, args) {
  if (name === 'model') return 'Model call';
  if (name.startsWith('tool:')) return `Tool ${args?.tool ?? name.slice(5)}`;
  return name;
}

/** An empty model. */
export function newTimeline() {
  return {
    lastSeq: 0,
    status: 'pending',
    terminal: false,
    /** @type {Map<number, Step>} */
    steps: new Map(),
    usage: null,
    /** The open input.requested data and its event's `seq` (which names the question), while the run waits for a person. */
    pending: null,
    output: undefined,
    /** @type {number | null} the run.started instant */
    startedAt: null,
    /** @type {number | null} the terminal event's instant */
    endedAt: null,
    /** @type {number | null} the latest event instant */
    lastAt: null,
    /** @type {Mark[]} */
    marks: [],
    /** @type {number | null} while the run sleeps on a durable timer: when it wakes */
    sleepingUntil: null,
  };
}

/** An open stretch from `at`, or none when the instant is unknown. */
const openAt = (kind, at) => (at === null ? null : { kind, from: at });

const instant = (at) => {
  const t = at ? Date.parse(at) : NaN;
  return Number.isFinite(t) ? t : null;
};

function newStep(index, name, seq, at, args) {
  const kind = stepKind(name);
  return {
    index, name, kind, args, seq, state: 'running', retries: 0, done: false, liveText: '',
    durationMs: null, usage: undefined, result: undefined, startedAt: at, endedAt: null,
    segments: [], open: openAt(kind, at), sleepUntil: null, children: [],
  };
}

/** Ends the step's open stretch at `to` (as `kind`, or its own kind) and opens `next` (or none). */
function cut(step, to, kind, next = null) {
  if (step.open && to !== null) {
    const from = Math.min(step.open.from, to);
    step.segments.push({ kind: kind ?? step.open.kind, from, to });
  }
  step.open = next;
}

/** The step an event names; one without a step.started before it (should not happen) is shown anyway. */
export function ensureStep(model, index, at) {
  let step = model.steps.get(index);
  if (!step) {
    step = newStep(index, `step ${index}`, null, at, undefined);
    model.steps.set(index, step);
  }
  return step;
}

/**
 * Folds one committed event into the model. Events at or below `model.lastSeq` are ignored (the caller
 * delivers each seq once, in order).
 * @returns {{ step: Step | null, restarted: boolean } | null} what changed; null for an event already folded
 */
export function fold(model, e) {
  if (e.seq <= model.lastSeq) return null;
  model.lastSeq = e.seq;
  const data = e.data ?? {};
  const at = instant(e.at);
  const before = model.lastAt;
  if (at !== null) model.lastAt = Math.max(model.lastAt ?? at, at);
  const change = { step: null, restarted: false };
  switch (e.type) {
    case 'run.started':
      model.status = 'running';
      model.startedAt ??= at;
      break;
    case 'run.pinned':
      model.marks.push({ type: 'pinned', at, text: `waits for a silo with version ${data.version}` });
      break;
    case 'run.resumed': {
      // The previous activation is gone: what it was doing stopped at the last instant it was seen. Waiting
      // for a person or sleeping on a timer goes on (a sleeping run lets its activation go on purpose).
      for (const step of model.steps.values()) {
        if (!step.done && step.open && !WAITING.has(step.open.kind)) cut(step, Math.max(step.open.from, before ?? at), undefined, openAt(step.kind, at));
      }
      const slept = model.sleepingUntil !== null;
      model.marks.push({ type: 'resumed', at, from: slept ? at : before ?? at, step: data.step ?? undefined, text: `resumed on ${data.silo ?? 'another silo'}` });
      break;
    }
    case 'step.started': {
      const existing = model.steps.get(data.step);
      if (existing) {
        // Started again (re-decided after a resume): one step, its time goes on from here.
        change.restarted = true;
        if (!existing.done) cut(existing, before, undefined, openAt(existing.kind, at));
        change.step = existing;
      } else {
        change.step = newStep(data.step, data.name ?? '', e.seq, at, data.args);
        model.steps.set(data.step, change.step);
      }
      break;
    }
    case 'step.delta': { // the model's streamed text, drafted a few times a second
      const step = model.steps.get(data.step);
      if (step && !step.done) step.liveText += data.text ?? '';
      change.step = step ?? null;
      break;
    }
    case 'tool.intent':
      change.step = ensureStep(model, data.step, at);
      break;
    case 'step.retrying': {
      const step = ensureStep(model, data.step, at);
      step.retries += 1;
      step.liveText = ''; // the next attempt streams its text anew
      cut(step, at, 'retry', openAt(step.kind, at === null ? null : at + (data.delayMs ?? 0)));
      change.step = step;
      break;
    }
    case 'input.requested': {
      model.status = 'waitingForInput';
      model.pending = { ...data, seq: e.seq };
      const step = ensureStep(model, data.step, at);
      step.state = 'waiting';
      cut(step, at, undefined, openAt('wait', at));
      change.step = step;
      break;
    }
    case 'timer.started': { // the step sleeps until data.until; the run holds no activation meanwhile
      const step = ensureStep(model, data.step, at);
      step.state = 'waiting';
      step.sleepUntil = instant(data.until);
      model.sleepingUntil = step.sleepUntil;
      cut(step, at, undefined, openAt('sleep', at));
      change.step = step;
      break;
    }
    case 'timer.fired': { // the sleep is over (its time came, or a steer message woke it); the result follows
      const step = ensureStep(model, data.step, at);
      step.state = 'running';
      step.sleepUntil = null;
      model.sleepingUntil = null;
      cut(step, at, undefined, openAt(step.kind, at));
      change.step = step;
      break;
    }
    case 'child.started': { // the pending step starts a child run; the step goes on (it may wait for it)
      const step = ensureStep(model, data.step, at);
      if (!step.children.some((c) => c.runId === data.runId)) step.children.push({ runId: data.runId, agent: data.agent, status: 'running' });
      change.step = step;
      break;
    }
    case 'child.finished': { // a child ended: its step's state does not change (the agent decides what follows)
      const step = ensureStep(model, data.step, at);
      const child = step.children.find((c) => c.runId === data.runId);
      if (child) child.status = data.status;
      else step.children.push({ runId: data.runId, agent: '', status: data.status });
      change.step = step;
      break;
    }
    case 'input.approved':
    case 'input.rejected': {
      model.status = 'running';
      model.pending = null;
      const step = ensureStep(model, data.step, at);
      step.state = 'running';
      cut(step, at, undefined, openAt(step.kind, at));
      change.step = step;
      break;
    }
    case 'step.completed': {
      const step = ensureStep(model, data.step, at);
      step.done = true;
      step.state = 'done';
      step.liveText = ''; // the committed result replaces the streamed text
      step.durationMs = data.durationMs ?? null;
      step.result = data.result;
      step.endedAt = at;
      cut(step, at);
      if (data.usage) {
        step.usage = data.usage;
        const sum = model.usage ?? { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
        model.usage = {
          inputTokens: (sum.inputTokens ?? 0) + (data.usage.inputTokens ?? 0),
          outputTokens: (sum.outputTokens ?? 0) + (data.usage.outputTokens ?? 0),
          totalTokens: (sum.totalTokens ?? 0) + (data.usage.totalTokens ?? 0),
        };
      }
      change.step = step;
      break;
    }
    case 'run.succeeded':
      model.status = 'succeeded';
      model.terminal = true;
      model.output = data.output;
      if (data.usage) model.usage = data.usage;
      break;
    case 'run.failed':
      model.status = 'failed';
      model.terminal = true;
      model.marks.push({ type: 'failed', at, step: data.step ?? undefined, text: data.error ?? 'failed' });
      break;
    case 'run.cancelled':
      model.status = 'cancelled';
      model.terminal = true;
      model.marks.push({ type: 'cancelled', at, text: data.reason ?? 'cancelled' });
      break;
    default:
      break;
  }
  if (model.terminal) {
    model.endedAt ??= at;
    for (const step of model.steps.values()) {
      if (step.done) continue;
      step.state = 'stopped';
      step.endedAt ??= at;
      cut(step, at);
    }
    model.pending = null;
    model.sleepingUntil = null;
  }
  return change;
}

/** How many steps have completed. */
export const stepsDone = (model) => [...model.steps.values()].filter((s) => s.done).length;
