// The timeline picture (SVG): one bar per step on a time axis from the run's start, placed by the step's
// start and as long as it took, coloured by what the time went to: a model call, a tool call, another step,
// waiting for a person, sleeping on a durable timer, or an attempt that failed and was retried. Where nothing ran (a retry's back-off,
// the time before a new activation resumed the run) the bar has a gap; resumes, failures and cancellation
// are marked on the axis. Draws from the timeline model (timeline.js) and is redrawn as events arrive.
import { duration } from './format.js';
import { stepTitle } from './timeline.js';

const SVG = 'http://www.w3.org/2000/svg';
const AXIS = 22;
const TOP = 4;
const RIGHT = 10;
const MAX_PLOT_HEIGHT = 320;

/** An SVG element; `title` becomes its <title> (its accessible name and tooltip). */
function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'title') element.append(s('title', {}, String(value)));
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** A tick every 1, 2 or 5 × 10^k ms, about `count` of them over `span`. */
function tickStep(span, count) {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? power * 10;
}

function tickLabel(ms) {
  if (ms === 0) return '0';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${+(ms / 1000).toFixed(2)} s`;
  return `${+(ms / 60_000).toFixed(1)} min`;
}

const KIND_WORDS = { model: 'model call', tool: 'tool call', other: 'step', wait: 'waiting for a person', sleep: 'sleeping on a timer', retry: 'failed attempt, retried' };

/** The step's title: name, how long it took, retries and time waiting for a person. */
function barTitle(step, end) {
  const span = (step.endedAt ?? end) - (step.startedAt ?? end);
  const took = step.done
    ? `took ${duration(step.durationMs ?? span)}`
    : step.state === 'stopped' ? `stopped after ${duration(span)}` : `${step.state === 'waiting' ? 'waiting' : 'running'} for ${duration(span)}`;
  const spent = (kind) => step.segments.filter((x) => x.kind === kind).reduce((sum, x) => sum + (x.to - x.from), 0)
    + (step.open?.kind === kind ? end - step.open.from : 0);
  const waited = spent('wait');
  const slept = spent('sleep');
  return [
    `Step ${step.index}: ${stepTitle(step.name, step.args)}`,
    took,
    step.retries ? `${step.retries} ${step.retries === 1 ? 'retry' : 'retries'}` : null,
    waited > 0 ? `waited ${duration(waited)} for a person` : null,
    slept > 0 ? `slept ${duration(slept)}${step.sleepUntil ? ` (until ${new Date(step.sleepUntil).toLocaleTimeString()})` : ''}` : null,
  ].filter(Boolean).join(' · ');
}

/**
 * The picture in a figure element, which holds the <svg data-testid="timeline-svg"> (sized to its parent).
 * @param {HTMLElement} figure
 */
export function createTimelinePicture(figure) {
  const svg = figure.querySelector('svg');
  const plot = svg.parentElement;

  /**
   * Draws the model as it stands at `now` (ms since the epoch): open stretches reach `now`.
   * @param {ReturnType<import('./timeline.js').newTimeline>} model
   */
  function draw(model, now = Date.now()) {
    const steps = [...model.steps.values()].filter((x) => x.startedAt !== null).sort((a, b) => a.index - b.index);
    figure.hidden = steps.length === 0;
    if (steps.length === 0) {
      svg.replaceChildren();
      return;
    }
    const t0 = model.startedAt ?? steps[0].startedAt;
    const end = model.terminal && model.endedAt !== null ? model.endedAt : Math.max(model.lastAt ?? t0, now);
    const span = Math.max(end - t0, 1);
    const width = Math.max(plot.clientWidth || 0, 280);
    const rowHeight = Math.max(3, Math.min(22, Math.floor(MAX_PLOT_HEIGHT / steps.length)));
    const barHeight = rowHeight >= 10 ? rowHeight - 6 : Math.max(2, rowHeight - 1);
    const labels = rowHeight >= 12;
    const left = labels ? 44 : 12;
    const plotWidth = width - left - RIGHT;
    const plotHeight = steps.length * rowHeight;
    const height = TOP + plotHeight + AXIS;
    const x = (t) => left + ((Math.min(Math.max(t, t0), end) - t0) / span) * plotWidth;
    const ms = (t) => Math.round(t - t0);

    const children = [];
    // The time axis: ticks and their labels under the bars.
    const every = tickStep(span, width < 500 ? 4 : 7);
    for (let t = 0; t <= span; t += every) {
      const tx = x(t0 + t);
      children.push(s('line', { class: 'tl-grid', x1: tx, x2: tx, y1: TOP, y2: TOP + plotHeight }),
        s('text', { class: 'tl-tick', x: tx, y: height - 6, 'text-anchor': t === 0 ? 'start' : 'middle' }, tickLabel(t)));
    }
    // Resumes (with the stretch where nothing ran before them), failures, cancellation.
    for (const mark of model.marks) {
      if (mark.at === null) continue;
      const mx = x(mark.at);
      const idle = mark.type === 'resumed' ? mark.at - mark.from : 0;
      const title = mark.type === 'resumed'
        ? `Run ${mark.text} at ${tickLabel(ms(mark.at))}${idle > 0 ? `; nothing ran for ${duration(idle)} before` : ''}`
        : `Run ${mark.type === 'pinned' ? mark.text : `${mark.type}: ${mark.text}`} at ${tickLabel(ms(mark.at))}`;
      children.push(s('g', { class: `tl-mark ${mark.type}`, 'data-testid': 'timeline-mark', 'data-type': mark.type, 'data-at': ms(mark.at), 'data-from': mark.from === undefined ? undefined : ms(mark.from), role: 'img', title },
        idle > 0 ? s('rect', { class: 'tl-gap', x: x(mark.from), y: TOP, width: Math.max(1, mx - x(mark.from)), height: plotHeight }) : null,
        s('line', { x1: mx, x2: mx, y1: TOP, y2: TOP + plotHeight })));
    }
    // One bar per step: a thin line over its whole extent, and a block per stretch of time.
    steps.forEach((step, row) => {
      const y = TOP + row * rowHeight + (rowHeight - barHeight) / 2;
      const stretches = step.open ? [...step.segments, { ...step.open, to: end, open: true }] : step.segments;
      const last = step.endedAt ?? end;
      const blocks = stretches
        .filter((stretch) => stretch.to > stretch.from || stretches.length === 1)
        .map((stretch) => s('rect', {
          class: `tl-seg${stretch.open ? ' open' : ''}`,
          'data-testid': 'timeline-segment',
          'data-kind': stretch.kind,
          'data-from': ms(stretch.from),
          'data-to': ms(stretch.to),
          x: x(stretch.from),
          y,
          width: Math.max(1.5, x(stretch.to) - x(stretch.from)),
          height: barHeight,
          rx: barHeight >= 6 ? 2 : 0,
        }, s('title', {}, `${KIND_WORDS[stretch.kind]}: ${duration(stretch.to - stretch.from)}`)));
      children.push(s('g', {
        class: `tl-bar ${step.kind}`,
        'data-testid': 'timeline-bar',
        'data-step': step.index,
        'data-kind': step.kind,
        'data-state': step.state,
        'data-start': ms(step.startedAt),
        'data-end': step.endedAt === null ? undefined : ms(step.endedAt),
        role: 'img',
        title: barTitle(step, end),
      },
      labels ? s('text', { class: 'tl-label', x: left - 6, y: y + barHeight / 2, 'text-anchor': 'end', 'dominant-baseline': 'central' }, String(step.index)) : null,
      s('line', { class: 'tl-span', x1: x(step.startedAt), x2: Math.max(x(last), x(step.startedAt) + 1), y1: y + barHeight / 2, y2: y + barHeight / 2 }),
      blocks));
    });

    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.setAttribute('aria-label', `Timeline of ${steps.length} step${steps.length === 1 ? '' : 's'} over ${duration(span)}`);
    svg.dataset.span = String(Math.round(span));
    svg.replaceChildren(...children);
  }

  return {
    draw,
    reset() {
      svg.replaceChildren();
      figure.hidden = true;
    },
  };
}
