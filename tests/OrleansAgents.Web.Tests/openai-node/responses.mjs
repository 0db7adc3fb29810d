// The Responses-compatible API through the official `openai` npm package, against a real cluster.
// Run by NodeSdkTests (OA_BASE_URL, OA_KEY); every check is an assertion: exit code 0 means all held.
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const base = process.env.OA_BASE_URL ?? 'http://127.0.0.1:5180';
const key = process.env.OA_KEY ?? 'dev-user-1';
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0 });
const model = 'voice-agent-builder';
const input = JSON.stringify({ request: 'A receptionist for the clinic.', documents: ['clinic-faq.md', 'escalation-contacts.md'] });

async function committedModelTexts(runId) {
  const res = await fetch(`${base}/api/runs/${runId}/events?limit=1000`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(res.status, 200);
  return (await res.json())
    .filter((e) => e.type === 'step.completed' && e.data.name === 'model' && e.data.result.text)
    .map((e) => e.data.result.text);
}

/** Deep equality with a short message (the full objects would bury the difference). */
function same(actual, expected, what) {
  const a = actual.map((e) => JSON.stringify(e));
  const b = expected.map((e) => JSON.stringify(e));
  const i = a.findIndex((x, k) => x !== b[k]);
  assert.ok(i === -1 && a.length === b.length, `${what}: ${a.length} vs ${b.length} events; first difference at ${i}: ${a[i]?.slice(0, 300)} vs ${b[i]?.slice(0, 300)}`);
}

const runIdOf = (responseId) => responseId.slice('resp_'.length).split('~')[0];

async function collect(stream, stopAfter) {
  const events = [];
  for await (const e of stream) {
    events.push(e);
    if (stopAfter?.(e)) break; // leaving the loop aborts the request: the connection drops
  }
  return events;
}

async function poll(id) {
  for (let i = 0; i < 900; i++) {
    const r = await client.responses.retrieve(id);
    if (r.status !== 'queued' && r.status !== 'in_progress') return r;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`response ${id} did not end`);
}

async function streamDropResumeReplay() {
  // Start in background with a stream, read two text deltas in, drop the connection.
  let deltas = 0;
  const first = await collect(
    await client.responses.create({ model, input, background: true, stream: true, metadata: { ticket: 'N-1' } }),
    (e) => e.type === 'response.output_text.delta' && ++deltas === 2);
  assert.equal(first[0].type, 'response.created');
  const id = first[0].response.id;

  // Resume after the last number seen (the server skips), then the SDK's stream helper, which re-reads from the
  // first event and skips by itself: the two must agree event for event.
  const last = first.at(-1).sequence_number;
  const rest = await collect(await client.responses.retrieve(id, { stream: true, starting_after: last }));
  const replay = await collect(await client.responses.retrieve(id, { stream: true }));
  same([...first, ...rest], replay, 'dropped and resumed vs replayed from the start');
  assert.deepEqual(replay.map((e) => e.sequence_number), replay.map((_, i) => i));

  // The helper's events carry its accumulating snapshot: compare what each event says.
  const key = (e) => `${e.sequence_number} ${e.type} ${e.item_id ?? e.item?.id ?? ''} ${e.delta ?? ''}`;
  const helper = client.responses.stream({ response_id: id });
  const viaHelper = await collect(helper);
  const final = await helper.finalResponse();
  assert.deepEqual(viaHelper.map(key), replay.map(key));
  const resumedByHelper = await collect(client.responses.stream({ response_id: id, starting_after: last }));
  assert.deepEqual(resumedByHelper.map(key), rest.map(key));

  // The assembled text is the committed result; the response asks for approval at its end.
  const committed = await committedModelTexts(runIdOf(id));
  const byItem = new Map();
  for (const e of replay.filter((e) => e.type === 'response.output_text.delta')) byItem.set(e.item_id, (byItem.get(e.item_id) ?? '') + e.delta);
  assert.deepEqual([...byItem.values()], committed);
  assert.equal(final.status, 'completed');
  assert.equal(final.metadata.ticket, 'N-1');
  const request = final.output.at(-1);
  assert.equal(request.type, 'mcp_approval_request');
  assert.equal(request.name, 'publish_configuration');
  assert.ok(final.output.some((i) => i.type === 'mcp_call' && i.name === 'delegate_tasks' && i.server_label === 'orleans-agents' && JSON.parse(i.output).children.length > 0));
  const retrieved = await client.responses.retrieve(id);
  assert.equal(retrieved.output_text, committed.join(''));
  assert.ok(retrieved.usage.total_tokens > 0);
  return { id, request };
}

async function approveThroughPreviousResponse(previous, request) {
  const next = await client.responses.create({
    model, previous_response_id: previous, background: true,
    input: [{ type: 'mcp_approval_response', approval_request_id: request.id, approve: true }],
  });
  assert.equal(next.previous_response_id, previous);
  const done = await poll(next.id);
  assert.equal(done.status, 'completed');
  assert.ok(done.output.some((i) => i.type === 'mcp_call' && i.name === 'publish_configuration' && !i.error));
  assert.equal(runIdOf(done.id), runIdOf(previous));
  assert.ok(done.output_text.length > 0);
}

async function cancelTwice() {
  const created = await client.responses.create({ model: 'bench', input: JSON.stringify({ steps: 400, stepMs: 25 }), background: true });
  const cancelled = await client.responses.cancel(created.id);
  assert.equal(cancelled.status, 'cancelled');
  const again = await client.responses.cancel(created.id);
  assert.deepEqual(again, cancelled);
  assert.equal((await client.responses.retrieve(created.id)).status, 'cancelled');
}

async function errors() {
  await assert.rejects(client.responses.create({ model: 'no-such-agent', input: 'hi' }), (err) =>
    err instanceof OpenAI.NotFoundError && err.code === 'model_not_found' && err.param === 'model');
  await assert.rejects(client.responses.create({ model, input: 'hi', frobnicate: 1 }), (err) =>
    err instanceof OpenAI.BadRequestError && err.code === 'unknown_parameter' && err.param === 'frobnicate');
  await assert.rejects(client.responses.retrieve('resp_no-such-run'), (err) => err instanceof OpenAI.NotFoundError);
  const other = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'not-a-key', maxRetries: 0 });
  await assert.rejects(other.models.list(), (err) => err instanceof OpenAI.AuthenticationError);
  const models = [];
  for await (const m of client.models.list()) models.push(m.id);
  assert.ok(models.includes(model));
}

/** Cancel while the first model call streams: answered cancelled within a second; nothing of the call recorded. */
async function cancelDuringModelCall() {
  const stream = await client.responses.create({ model, input, background: true, stream: true });
  const seen = await collect(stream, (e) => e.type === 'response.output_text.delta');
  const id = seen[0].response.id;
  const started = performance.now();
  const cancelled = await client.responses.cancel(id);
  const ms = performance.now() - started;
  console.log(`cancel answered in ${ms.toFixed(0)} ms`);
  assert.equal(cancelled.status, 'cancelled');
  assert.ok(ms < 1000, `cancel took ${ms} ms`);
  await new Promise((resolve) => setTimeout(resolve, 5500)); // longer than the call had left
  const res = await fetch(`${base}/api/runs/${runIdOf(id)}/events?limit=1000`, { headers: { authorization: `Bearer ${key}` } });
  const events = await res.json();
  assert.ok(!events.some((e) => e.type === 'step.completed'), 'the cut model call was recorded');
  assert.equal(events.at(-1).type, 'run.cancelled');
}

/** The worker running the model call is SIGKILLed by the test (stdin handshake); the resumed stream equals the replay. */
async function killMidStream() {
  const first = await collect(await client.responses.create({ model, input, background: true, stream: true }),
    (e) => e.type === 'response.output_text.delta');
  const id = first[0].response.id;
  console.log(`KILL ${runIdOf(id)}`);
  await new Promise((resolve) => process.stdin.once('data', resolve)); // the test kills the worker, then answers
  const rest = await collect(await client.responses.retrieve(id, { stream: true, starting_after: first.at(-1).sequence_number }));
  const replay = await collect(await client.responses.retrieve(id, { stream: true }));
  same([...first, ...rest], replay, 'resumed after the kill vs replayed');
  assert.deepEqual(replay.map((e) => e.sequence_number), replay.map((_, i) => i));
  const done = replay.filter((e) => e.type === 'response.output_item.done' && e.item.type === 'message');
  assert.equal(done[0].item.status, 'incomplete');
  const committed = (await committedModelTexts(runIdOf(id))).join('');
  const completedText = done.filter((e) => e.item.status === 'completed').map((e) => e.item.content[0].text).join('');
  assert.equal(completedText, committed);
  assert.equal(replay.at(-1).type, 'response.completed');
  // The SDK's output_text (every message's text joined) is the committed text: the cut attempt's item has none.
  assert.equal((await client.responses.retrieve(id)).output_text, committed);
  // The stream helper's final response (response.completed's snapshot) has no output_text without parse params in
  // openai 6.x: join its messages' text as the SDK's addOutputText does.
  const helper = client.responses.stream({ response_id: id });
  await collect(helper);
  const outputText = (r) => r.output.filter((i) => i.type === 'message').flatMap((i) => i.content)
    .filter((c) => c.type === 'output_text').map((c) => c.text).join('');
  assert.equal(outputText(await helper.finalResponse()), committed);
}

if (process.argv[2] === 'failures') {
  await cancelDuringModelCall();
  await killMidStream();
  process.stdin.pause();
} else {
  const { id, request } = await streamDropResumeReplay();
  await approveThroughPreviousResponse(id, request);
  await cancelTwice();
  await errors();
}

console.log('openai-node: all checks held');
