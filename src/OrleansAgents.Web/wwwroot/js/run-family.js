// A run's family on its page: the link to its parent (a child run), and its children as a tree with live
// status. The run's own child.started and child.finished events come through its follower; a child's status
// while it runs, and its own children (nested), come from GET /api/runs/{childId}, polled every 2 s while
// the page is open and any child is unfinished. A child that ended is read once more for its children.
import { api } from './api.js';
import { byTestId, h, runLink, runPath } from './dom.js';
import { statusLabel } from './format.js';

const POLL_MS = 2000;
/** At most this many children are read per round (a run may start many); the rest wait for the next. */
const MAX_READS = 40;
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * @typedef {{ runId: string, agent: string, step: number | null, status: string, settled: boolean,
 *   element: HTMLElement, list: HTMLElement }} Node  `settled`: read after it ended (its children are known)
 */

export function createRunFamily() {
  /** @type {Map<string, Node>} */
  const nodes = new Map();
  let timer = null;
  let generation = 0;
  let next = 0; // where the next round of reads starts, so every child is read in turn

  const tree = () => byTestId('children-tree');

  function setStatus(node, status) {
    if (!status || (TERMINAL.has(node.status) && !TERMINAL.has(status))) return; // an end is never undone
    node.status = status;
    node.element.dataset.status = status;
    const badge = node.element.querySelector('[data-testid=child-status]');
    badge.textContent = statusLabel(status);
    badge.className = `badge ${status}`;
  }

  /** Adds a child under `parent` (null: the run shown), or updates the one known. */
  function add(child, parent) {
    let node = nodes.get(child.runId);
    if (!node) {
      const list = h('ul', { hidden: true });
      const element = h('li', { dataset: { testid: 'child', runId: child.runId, status: '' } },
        h('div', { class: 'node' },
          runLink(child.runId, { dataset: { testid: 'child-link' } }),
          h('span', { class: 'small', dataset: { testid: 'child-agent' } }, child.agent ?? ''),
          h('span', { class: 'badge', dataset: { testid: 'child-status' } }),
          child.step === undefined || child.step === null ? null : h('span', { class: 'small' }, `step ${child.step}`)),
        list);
      node = { runId: child.runId, agent: child.agent ?? '', step: child.step ?? null, status: '', settled: false, element, list };
      nodes.set(child.runId, node);
      const into = parent ? parent.list : tree();
      into.hidden = false;
      into.append(element);
      byTestId('run-children').hidden = false;
    } else if (!node.agent && child.agent) {
      node.agent = child.agent;
      node.element.querySelector('[data-testid=child-agent]').textContent = child.agent;
    }
    setStatus(node, child.status);
    return node;
  }

  function unsettled() {
    return [...nodes.values()].filter((n) => !n.settled);
  }

  function schedule(delay) {
    if (timer !== null || unsettled().length === 0) return;
    const mine = generation;
    timer = setTimeout(async () => {
      await readRound(mine);
      if (mine !== generation) return;
      timer = null;
      schedule(POLL_MS);
    }, delay);
  }

  /** Reads the unsettled children (up to MAX_READS, in turn) and takes their status and children. */
  async function readRound(mine) {
    const waiting = unsettled();
    if (waiting.length === 0) return;
    const start = next % waiting.length;
    const batch = [...waiting.slice(start), ...waiting.slice(0, start)].slice(0, MAX_READS);
    next = start + batch.length;
    await Promise.all(batch.map(async (node) => {
      let run;
      try {
        run = await api(`/api/runs/${encodeURIComponent(node.runId)}`);
      } catch {
        return; // not started yet (its parent records it first), or a moment's outage: the next round asks again
      }
      if (mine !== generation) return;
      setStatus(node, run.status);
      for (const child of run.children ?? []) add(child, node);
      if (TERMINAL.has(run.status)) node.settled = true;
    }));
  }

  return {
    /** The run as GET /api/runs/{id} shows it (on open and on reconnect): its parent and its children. */
    show(run) {
      const parent = run.parent;
      const box = byTestId('run-parent');
      box.hidden = !parent;
      if (parent) {
        const link = byTestId('parent-link');
        link.href = runPath(parent.runId);
        link.textContent = parent.runId;
        byTestId('parent-step').textContent = `(step ${parent.step}, depth ${parent.depth})`;
      }
      for (const child of run.children ?? []) add(child, null);
      schedule(0);
    },

    /** One of the run's own events: child.started and child.finished change the tree. */
    event(e) {
      const data = e.data ?? {};
      if (e.type === 'child.started') add({ runId: data.runId, agent: data.agent, step: data.step, status: 'running' }, null);
      else if (e.type === 'child.finished') add({ runId: data.runId, step: data.step, status: data.status }, null);
      else return;
      schedule(0);
    },

    /** Empties it (another run is shown) and stops reading. */
    reset() {
      generation += 1;
      clearTimeout(timer);
      timer = null;
      next = 0;
      nodes.clear();
      tree().replaceChildren();
      byTestId('run-children').hidden = true;
      byTestId('run-parent').hidden = true;
    },
  };
}
