// Formatting of values for people: JSON, ages, durations, tokens, statuses. No DOM.

/** JSON indented for reading; a string that holds JSON is parsed first, any other string shown as it is. */
export function pretty(value) {
  if (value === undefined) return '';
  if (typeof value === 'string') {
    try { return JSON.stringify(JSON.parse(value), null, 2); } catch { return value; }
  }
  return JSON.stringify(value, null, 2);
}

/** "12 s ago", "3 min ago", ... from an ISO instant. */
export function age(iso) {
  if (!iso) return '';
  const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return `${Math.floor(seconds)} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

/** "250 ms", "1.23 s", "12.3 s". */
export function duration(ms) {
  if (ms === undefined || ms === null) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

/** "1,234 tokens" from a usage object ({ inputTokens, outputTokens, totalTokens }). */
export function tokens(usage) {
  if (!usage) return '';
  const total = usage.totalTokens ?? ((usage.inputTokens ?? 0) + (usage.outputTokens ?? 0));
  return `${total.toLocaleString('en')} tokens`;
}

/** A run status as words. */
export function statusLabel(status) {
  return status === 'waitingForInput' ? 'waiting for input' : (status ?? '');
}

/** "in 9 min 58 s", "in 12 s", "now" until an instant (ms since the epoch). */
export function countdown(until, now = Date.now()) {
  const seconds = Math.ceil((until - now) / 1000);
  if (seconds <= 0) return 'now';
  const parts = [];
  const d = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (d) parts.push(`${d} d`);
  if (hours) parts.push(`${hours} h`);
  if (minutes && !d) parts.push(`${minutes} min`);
  if (!d && !hours) parts.push(`${seconds % 60} s`);
  return `in ${parts.join(' ')}`;
}

/** A local date and time for people, e.g. "Dec 3, 15:26:45". */
export function localTime(ms) {
  return new Date(ms).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
