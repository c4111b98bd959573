// An incremental Server-Sent Events parser and serializer: yields each complete event as soon as its
// blank line arrives (no added buffering) and re-emits an untouched event byte for byte.

export interface SseEvent {
  /** The `event:` field, when present. */
  event?: string;
  /** The `data:` lines joined by "\n". */
  data: string;
  id?: string;
  /** The exact text of the event including its terminating blank line; absent on built events. */
  raw?: string;
}

const jsonCache = new WeakMap<SseEvent, unknown>();
const NOT_JSON = Symbol('not-json');

/** The event's data parsed as JSON (cached per event), or undefined when it is not JSON. */
export function eventJson(ev: SseEvent): unknown {
  let v = jsonCache.get(ev);
  if (v === undefined) {
    try {
      v = ev.data === '' || ev.data === '[DONE]' ? NOT_JSON : JSON.parse(ev.data);
    } catch {
      v = NOT_JSON;
    }
    jsonCache.set(ev, v);
  }
  return v === NOT_JSON ? undefined : v;
}

/** A new event carrying `json` as its data (the original is never mutated). */
export function jsonEvent(json: unknown, event?: string): SseEvent {
  const ev: SseEvent = { data: JSON.stringify(json) };
  if (event !== undefined) ev.event = event;
  jsonCache.set(ev, json);
  return ev;
}

export function serializeEvent(ev: SseEvent): string {
  if (ev.raw !== undefined) return ev.raw;
  let out = '';
  if (ev.event !== undefined) out += `event: ${ev.event}\n`;
  if (ev.id !== undefined) out += `id: ${ev.id}\n`;
  for (const line of ev.data.split('\n')) out += `data: ${line}\n`;
  return `${out}\n`;
}

/**
 * Feed decoded text with push(); it returns the events completed by that text. The parser keeps
 * only the current unfinished event, bounded by `maxEventBytes` (an upstream sending one endless
 * event is an error, not a memory leak).
 */
export class SseParser {
  private pending = '';
  private readonly decoder = new TextDecoder('utf-8');

  constructor(private readonly maxEventChars = 8 * 1024 * 1024) {}

  push(chunk: Uint8Array | string): SseEvent[] {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const out: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const end = findEventEnd(this.pending, start);
      if (end < 0) break;
      const raw = this.pending.slice(start, end);
      const ev = parseEvent(raw);
      if (ev) out.push(ev);
      start = end;
    }
    this.pending = start > 0 ? this.pending.slice(start) : this.pending;
    if (this.pending.length > this.maxEventChars) throw new Error('SSE event exceeds the size limit');
    return out;
  }

  /** Whatever is left when the stream ends (an unterminated last event), as an event if it has data. */
  end(): SseEvent[] {
    this.pending += this.decoder.decode();
    if (this.pending.trim() === '') return [];
    const ev = parseEvent(`${this.pending}\n\n`);
    this.pending = '';
    return ev ? [ev] : [];
  }
}

/** Index just past the blank line ending the event that starts at `from`, or -1. */
function findEventEnd(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 10 && c !== 13) continue;
    // A line ends at i (\n, \r or \r\n); an empty line follows when the next line ending is at once.
    const j = c === 13 && s.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
    if (j >= s.length) {
      // "\r" at the very end may still become "\r\n": wait for more input.
      return -1;
    }
    const d = s.charCodeAt(j);
    if (d === 10) return j + 1;
    if (d === 13) {
      if (j + 1 >= s.length) return -1;
      return s.charCodeAt(j + 1) === 10 ? j + 2 : j + 1;
    }
    i = j - 1;
  }
  return -1;
}

function parseEvent(raw: string): SseEvent | undefined {
  const ev: SseEvent = { data: '', raw };
  let hasData = false;
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      ev.data = hasData ? `${ev.data}\n${value}` : value;
      hasData = true;
    } else if (field === 'event') ev.event = value;
    else if (field === 'id') ev.id = value;
  }
  // Comment-only blocks (keep-alives) still pass through so the client sees the same bytes.
  return ev;
}
