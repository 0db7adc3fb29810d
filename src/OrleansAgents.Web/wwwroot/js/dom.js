// Small DOM helpers shared by the page's modules.

/** The first element under `root` matching a CSS selector. */
export const $ = (selector, root = document) => root.querySelector(selector);

/** The first element under `root` with `data-testid="id"`: the page's stable names for its parts. */
export const byTestId = (id, root = document) => root.querySelector(`[data-testid="${id}"]`);

/**
 * Builds an element: h('div', { class: 'x', dataset: { seq: 3 }, onclick: f }, 'text', child).
 * Text is always text (never parsed as HTML); null, undefined and false children are skipped.
 * @param {string} tag
 * @param {Record<string, unknown>} [attributes]
 * @param {...unknown} children
 * @returns {HTMLElement}
 */
export function h(tag, attributes = {}, ...children) {
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

/** A run page's path; child run IDs hold '::' (encoded as %3A%3A, which the router decodes). */
export const runPath = (runId) => `/runs/${encodeURIComponent(runId)}`;

/** An in-page link to a run's page (followed by the router without a reload). */
export const runLink = (runId, attributes = {}) => h('a', { href: runPath(runId), dataset: { link: '', ...attributes.dataset }, class: attributes.class }, runId);
