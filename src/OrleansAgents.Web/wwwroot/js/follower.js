// Following a run: the record first (GET /events), then the live stream from the last seq, resumed after
// every drop. No DOM: it reports through callbacks.
//
// The resume rule: committed events are numbered 1, 2, 3, ... per run. The follower delivers each seq once
// and in order; an event that skips ahead is a gap, and the follower reconnects from the last seq it
// delivered, so the server sends exactly what is missing. EventSource cannot send headers: each stream is
// opened with a short-lived token for this run (POST /stream-token), never the API key.
import { api } from './api.js';

const TERMINAL_EVENTS = new Set(['run.succeeded', 'run.failed', 'run.cancelled']);
const PAGE = 1000;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5000;

/**
 * @typedef {'connecting' | 'connected' | 'reconnecting' | 'ended' | 'error'} Connection
 * @typedef {{ seq: number, type: string, at: string, data?: object }} RunEvent
 * @typedef {object} FollowerHandlers
 * @property {(run: object, when: 'open' | 'reconnect') => void} [onRun] the run's JSON (GET /api/runs/{id})
 * @property {(event: RunEvent) => void} onEvent each committed event, once, in seq order
 * @property {(connection: Connection) => void} [onConnection]
 * @property {(error: Error, phase: 'open' | 'events' | 'lost') => void} [onError] an error that stops following
 */

export class RunFollower {
  #path;
  #handlers;
  #lastSeq = 0;
  #terminal = false;
  #closed = false;
  #reconnecting = false;
  #source = null;
  #retryTimer = null;
  #retryDelay = FIRST_RETRY_MS;

  /** @param {string} runId @param {FollowerHandlers} handlers */
  constructor(runId, handlers) {
    this.#path = `/api/runs/${encodeURIComponent(runId)}`;
    this.#handlers = handlers;
  }

  /** The seq of the last event delivered (0: none yet). */
  get lastSeq() { return this.#lastSeq; }

  /** Reads the run, catches up from the record, then follows the live stream until the run ends or close(). */
  async start() {
    this.#connection('connecting');
    let run;
    try {
      run = await api(this.#path);
    } catch (error) {
      if (this.#closed) return;
      this.#handlers.onError?.(error, 'open');
      this.#connection('error');
      return;
    }
    if (this.#closed) return;
    this.#handlers.onRun?.(run, 'open');
    if (!(await this.#catchUp())) return;
    if (this.#terminal) {
      this.#connection('ended');
      return;
    }
    this.#connect();
  }

  /** Stops following: closes the stream, cancels any reconnect; no callback runs afterwards. */
  close() {
    this.#closed = true;
    this.#source?.close();
    this.#source = null;
    clearTimeout(this.#retryTimer);
  }

  #connection(connection) {
    if (!this.#closed) this.#handlers.onConnection?.(connection);
  }

  /** Delivers one event; false when it skips ahead of the last seq delivered (a gap). */
  #deliver(e) {
    if (e.seq <= this.#lastSeq) return true; // already delivered
    if (e.seq !== this.#lastSeq + 1) return false;
    this.#lastSeq = e.seq;
    if (TERMINAL_EVENTS.has(e.type)) this.#terminal = true;
    this.#handlers.onEvent(e);
    return true;
  }

  /** Reads the record after the last seq delivered, page by page. False when the run could not be read. */
  async #catchUp() {
    for (;;) {
      let events;
      try {
        events = await api(`${this.#path}/events?after=${this.#lastSeq}&limit=${PAGE}`);
      } catch (error) {
        if (!this.#closed) {
          this.#handlers.onError?.(error, 'events');
          this.#connection('error');
        }
        return false;
      }
      if (this.#closed) return false;
      for (const e of events) this.#deliver(e);
      if (events.length < PAGE) return true;
    }
  }

  async #connect() {
    if (this.#closed || this.#terminal) return;
    let token;
    try {
      token = (await api(`${this.#path}/stream-token`, { method: 'POST' })).token;
    } catch {
      this.#reconnect(this.#retryDelay);
      return;
    }
    if (this.#closed || this.#terminal) return;
    const source = new EventSource(`${this.#path}/events/stream?after=${this.#lastSeq}&access_token=${encodeURIComponent(token)}`);
    this.#source = source;
    this.#connection(this.#lastSeq > 0 || this.#reconnecting ? 'reconnecting' : 'connecting');
    source.onopen = () => {
      if (this.#source !== source) return;
      this.#retryDelay = FIRST_RETRY_MS;
      this.#reconnecting = false;
      this.#connection('connected');
    };
    source.onmessage = (message) => {
      if (this.#source !== source) return;
      let e;
      try { e = JSON.parse(message.data); } catch { return; }
      if (!this.#deliver(e)) {
        // A gap: reconnect from the last seq delivered; the server sends exactly what is missing.
        source.close();
        this.#reconnect(0);
        return;
      }
      if (this.#terminal) {
        source.close();
        this.#source = null;
        this.#connection('ended');
      }
    };
    source.onerror = () => {
      if (this.#source !== source) return;
      // EventSource would retry by itself; the follower takes over so that the resume point is always the
      // last seq delivered.
      source.close();
      this.#source = null;
      if (this.#terminal) {
        this.#connection('ended');
        return;
      }
      this.#reconnect(this.#retryDelay);
      this.#retryDelay = Math.min(MAX_RETRY_MS, this.#retryDelay * 2);
    };
  }

  #reconnect(delay) {
    if (this.#closed) return;
    this.#reconnecting = true;
    this.#connection('reconnecting');
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(async () => {
      if (this.#closed) return;
      // The stream answers errors (401, 404, 429) with a status EventSource cannot show: ask the API.
      try {
        const run = await api(this.#path);
        if (this.#closed) return;
        this.#handlers.onRun?.(run, 'reconnect');
      } catch (error) {
        if (this.#closed) return;
        if (error.status === 0 || error.status >= 500) {
          this.#reconnect(Math.min(MAX_RETRY_MS, Math.max(FIRST_RETRY_MS, delay * 2)));
        } else {
          this.#handlers.onError?.(error, 'lost');
          this.#connection('error');
        }
        return;
      }
      // Catch up from the record first when the run has gone on (or ended) meanwhile.
      if (!(await this.#catchUp())) return;
      if (this.#terminal) {
        this.#connection('ended');
        return;
      }
      this.#connect();
    }, delay);
  }
}
