// Starting a run: the agent picker (GET /api/agents), the input for the chosen agent, POST /api/runs.
import { api } from './api.js';
import { $, byTestId, h } from './dom.js';
import { clearError, showError } from './message.js';
import { navigate } from './router.js';

const SUGGESTED_AGENTS = ['voice-agent-builder', 'bench'];

/** The agents from GET /api/agents: { name, version, sampleDocuments, maxSteps? } by name. */
const agents = new Map();

/** An agent as GET /api/agents describes it, once loaded. */
export const agentInfo = (name) => agents.get(name);

/** Loads the agents the cluster runs: the picker's names and voice-agent-builder's sample documents. */
export async function loadAgents() {
  let items = [];
  try {
    items = (await api('/api/agents'))?.items ?? [];
  } catch {
    items = [];
  }
  agents.clear();
  for (const agent of items) agents.set(agent.name, agent);
  const names = [...new Set([...items.map((a) => a.name), ...SUGGESTED_AGENTS])];
  $('#agent-names').replaceChildren(...names.map((name) => h('option', { value: name })));
  renderSampleDocuments(agents.get('voice-agent-builder')?.sampleDocuments ?? []);
}

function renderSampleDocuments(sampleDocuments) {
  const box = byTestId('sample-documents');
  box.replaceChildren(...sampleDocuments.map((name) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'document', value: name, checked: true, dataset: { testid: 'sample-document' } }),
    ' ', name)));
  if (sampleDocuments.length === 0) box.replaceChildren(h('p', { class: 'small' }, 'Name the documents the agent should use below.'));
}

/** Shows the input fields of the chosen agent: voice-agent-builder has its own, every other agent takes JSON. */
function syncAgentInputs() {
  const agent = byTestId('agent').value.trim();
  const special = agent === 'voice-agent-builder';
  for (const block of byTestId('start-form').querySelectorAll('[data-input-for]')) {
    block.hidden = special ? block.dataset.inputFor !== agent : block.dataset.inputFor !== '*';
  }
}

function buildInput(agent) {
  if (agent === 'voice-agent-builder') {
    const request = byTestId('request').value.trim();
    if (!request) throw new Error('Write a request for the agent.');
    const picked = [...byTestId('start-form').querySelectorAll('input[name="document"]:checked')].map((box) => box.value);
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

async function start(event) {
  event.preventDefault();
  const agent = byTestId('agent').value.trim();
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
}

/** Wires the start form. */
export function initStartForm() {
  const agentInput = byTestId('agent');
  agentInput.addEventListener('input', syncAgentInputs);
  agentInput.addEventListener('change', syncAgentInputs);
  byTestId('start-form').addEventListener('submit', start);
  syncAgentInputs();
}
