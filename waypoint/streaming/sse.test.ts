// Tests for the SSE parser/serializer: events split at any byte (including inside a multi-byte
// character and between \r and \n) come out the same, and untouched events re-serialize byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventJson, jsonEvent, type SseEvent, SseParser, serializeEvent } from './sse.js';

const stream =
  'event: message_start\ndata: {"type":"message_start"}\n\n' +
  ': keep-alive\n\n' +
  'data: {"t":"héllo wörld ✓"}\r\n\r\n' +
  'data: line one\ndata: line two\nid: 9\n\n' +
  'data: [DONE]\n\n';

function parseAll(chunks: Uint8Array[]): SseEvent[] {
  const p = new SseParser();
  const out: SseEvent[] = [];
  for (const c of chunks) out.push(...p.push(c));
  out.push(...p.end());
  return out;
}

test('events are the same however the bytes are split', () => {
  const bytes = Buffer.from(stream);
  const whole = parseAll([bytes]);
  assert.equal(whole.length, 5);
  assert.deepEqual(
    whole.map((e) => e.event ?? ''),
    ['message_start', '', '', '', ''],
  );
  assert.equal(whole[3].data, 'line one\nline two');
  assert.equal(whole[3].id, '9');
  assert.deepEqual(eventJson(whole[2]), { t: 'héllo wörld ✓' });
  for (let i = 1; i < bytes.length; i++) {
    const split = parseAll([bytes.subarray(0, i), bytes.subarray(i)]);
    assert.deepEqual(split, whole, `split at byte ${i}`);
  }
});

test('untouched events serialize to the exact input; built events are well-formed', () => {
  const events = parseAll([Buffer.from(stream)]);
  assert.equal(events.map(serializeEvent).join(''), stream);
  assert.equal(serializeEvent(jsonEvent({ a: 1 }, 'error')), 'event: error\ndata: {"a":1}\n\n');
});

test('an endless event is refused instead of buffered forever', () => {
  const p = new SseParser(1024);
  assert.throws(() => p.push(`data: ${'x'.repeat(2048)}`));
});
