// The timeline as cards: one entry per run-level event, one card per step with its events as lines, in
// the order the events were committed. Draws from the timeline model (timeline.js); every committed event
// shown carries its seq (data-seq), so a test can check each is shown exactly once.
import { $, h, runLink } from './dom.js';
import { duration, localTime, pretty, tokens } from './format.js';
import { stepTitle } from './timeline.js';

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

function entryTime(e) {
  return h('time', { datetime: e.at, title: e.at }, e.at ? new Date(e.at).toLocaleTimeString() : '');
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
    return h('div', { class: 'args' }, h('div', { class: 'label' }, 'Arguments'), jsonBlock(args.arguments, 'tool-arguments'));
  }
  if (typeof args === 'object' && Object.keys(args).length === 0) return null;
  return h('div', { class: 'args' }, details('Arguments', args));
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
    const output = 'output' in result ? result.output : result; // a step the run did itself (child runs): its whole result
    return [h('div', { class: 'label' }, 'Output'), typeof output === 'string' && !output.trim().startsWith('{') && !output.trim().startsWith('[')
      ? resultView(output) : jsonBlock(output)];
  }
  return [details('Result', result)];
}

/**
 * The cards in a list element (the `timeline` ol).
 * @param {HTMLElement} list
 */
export function createStepCards(list) {
  /** @type {Map<number, HTMLElement>} */
  const cards = new Map();

  /** A run-level entry (not part of a step). */
  function runEntry(e, title, ...body) {
    const entry = h('li', { class: `entry run-event ${e.type.replace('.', '-')}`, dataset: { seq: e.seq, type: e.type, testid: 'event' } },
      h('div', { class: 'entry-head' }, h('span', { class: 'title' }, title), h('span', { class: 'seq' }, `#${e.seq}`), entryTime(e)),
      ...body);
    list.append(entry);
    return entry;
  }

  /** The card of a step, made when the step is first shown. */
  function card(step, e) {
    let element = cards.get(step.index);
    if (element) return element;
    const started = step.seq !== null && e.type === 'step.started';
    element = h('li', {
      class: `entry step ${step.kind}`,
      dataset: { step: step.index, name: step.name, kind: step.kind, state: 'running', testid: 'step', ...(started ? { seq: e.seq, type: e.type } : {}) },
    },
    h('div', { class: 'entry-head' },
      h('span', { class: 'title' }, h('span', { class: 'step-no' }, `Step ${step.index}`), ' ', h('span', { class: 'step-name' }, stepTitle(step.name, step.args))),
      h('span', { class: 'state-badge', dataset: { testid: 'step-state' } }, 'running'),
      h('span', { class: 'retries' }),
      h('span', { class: 'duration', dataset: { testid: 'step-duration' } }),
      h('span', { class: 'usage', dataset: { testid: 'step-usage' } }),
      started ? h('span', { class: 'seq' }, `#${e.seq}`) : null,
      entryTime(e)),
    argsView(step.kind, step.args),
    h('div', { class: 'live', dataset: { testid: 'live-text' }, hidden: true }),
    h('ul', { class: 'lines' }),
    h('div', { class: 'result', dataset: { testid: 'step-result' } }));
    cards.set(step.index, element);
    list.append(element);
    return element;
  }

  function line(step, e, kind, text, detail) {
    $('.lines', card(step, e)).append(h('li', { class: `line ${kind}`, dataset: { seq: e.seq, type: e.type, testid: 'event' } },
      h('span', { class: 'seq' }, `#${e.seq}`), ' ', h('span', { class: 'line-text' }, text),
      detail ? h('span', { class: 'line-detail' }, ` — ${detail}`) : null));
  }

  function showState(step) {
    const element = cards.get(step.index);
    if (!element) return;
    element.dataset.state = step.state;
    $('.state-badge', element).textContent = step.state;
  }

  function completed(step, e) {
    const element = card(step, e);
    element.dataset.completedSeq = String(e.seq);
    showState(step);
    $('.duration', element).textContent = duration(step.durationMs);
    if (step.usage) $('.usage', element).textContent = tokens(step.usage);
    const live = $('.live', element);
    live.hidden = true;
    live.textContent = '';
    const result = $('.result', element);
    result.dataset.seq = String(e.seq);
    result.dataset.type = e.type;
    result.replaceChildren(h('span', { class: 'seq' }, `#${e.seq}`), ...stepResultView(step.kind, step.result));
  }

  /**
   * Shows one event the model has just folded.
   * @param {ReturnType<import('./timeline.js').newTimeline>} model
   * @param {{ seq: number, type: string, at: string, data?: object }} e
   * @param {{ step: object | null, restarted: boolean }} change what `fold` reported
   */
  function render(model, e, change) {
    const data = e.data ?? {};
    const step = change.step;
    switch (e.type) {
      case 'run.started':
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
        if (change.restarted) line(step, e, 'restarted', 'Step started again', '');
        else card(step, e);
        break;
      case 'step.delta': {
        if (!step || step.done || !cards.has(step.index)) break; // not shown yet, or already committed
        const live = $('.live', cards.get(step.index));
        live.hidden = false;
        live.textContent = step.liveText;
        break;
      }
      case 'tool.intent':
        line(step, e, 'intent', `Tool ${data.tool} is about to run`, data.idempotencyKey ? `key ${data.idempotencyKey}` : '');
        break;
      case 'step.retrying': {
        const element = card(step, e);
        element.dataset.retries = String(step.retries);
        $('.retries', element).textContent = `${step.retries} ${step.retries === 1 ? 'retry' : 'retries'}`;
        line(step, e, 'retrying', `Attempt ${data.attempt} failed; retrying in ${duration(data.delayMs)}`, data.error ?? '');
        break;
      }
      case 'input.requested':
        line(step, e, 'requested',
          data.kind === 'approval' ? `Approval requested for ${data.tool}` : `Outcome unknown for ${data.tool}: a decision is needed`,
          data.question ?? '');
        showState(step);
        break;
      case 'input.approved':
        line(step, e, 'approved', 'Approved', data.comment ?? '');
        showState(step);
        break;
      case 'input.rejected':
        line(step, e, 'rejected', 'Rejected', data.reason ?? '');
        showState(step);
        break;
      case 'input.message':
        runEntry(e, 'You said', h('p', { class: 'said' }, data.message ?? ''));
        break;
      case 'timer.started':
        line(step, e, 'timer', ['Sleeping until ', h('time', { datetime: data.until }, localTime(Date.parse(data.until)))], 'a durable timer; the run holds no worker meanwhile');
        showState(step);
        break;
      case 'timer.fired':
        line(step, e, 'timer', data.early ? 'Woke early' : 'Timer fired', data.early ? (data.reason ?? '') : `at ${localTime(Date.parse(data.firedAt))}`);
        showState(step);
        break;
      case 'child.started':
        line(step, e, 'child', ['Started child run ', runLink(data.runId, { dataset: { testid: 'step-child' } })], `agent ${data.agent}`);
        break;
      case 'child.finished':
        line(step, e, `child ${data.status}`, ['Child run ', runLink(data.runId), ` ${data.status}`],
          data.status === 'succeeded' ? pretty(data.result).replace(/\s+/g, ' ').slice(0, 160) : (data.error ?? ''));
        break;
      case 'step.completed':
        completed(step, e);
        break;
      case 'run.succeeded':
        runEntry(e, 'Run succeeded', resultView(data.output), data.usage ? h('div', { class: 'small' }, tokens(data.usage)) : null)
          .dataset.testid = 'final-result';
        break;
      case 'run.failed':
        runEntry(e, 'Run failed', h('p', { class: 'error-text' }, data.error ?? ''),
          data.step !== undefined && data.step !== null ? h('div', { class: 'small' }, `at step ${data.step}`) : null)
          .dataset.testid = 'final-result';
        break;
      case 'run.cancelled':
        runEntry(e, 'Run cancelled', h('p', {}, data.reason ?? '')).dataset.testid = 'final-result';
        break;
      default:
        runEntry(e, e.type, details('Data', data));
    }
    if (model.terminal) {
      for (const s of model.steps.values()) if (!s.done) showState(s);
    }
  }

  return {
    render,
    /** Empties the list (another run is shown). */
    reset() {
      cards.clear();
      list.replaceChildren();
    },
  };
}
