// The audit line is built by hand for speed: it must stay the line pino wrote before (same keys, same
// order, same escaping), since log pipelines parse it.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import test from 'node:test';
import pino from 'pino';
import { auditLine } from './server.js';

const TIME = /"time":"[^"]+"/;

function pinoLine(record: Record<string, unknown>): string {
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  pino({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime, messageKey: 'event' }, sink).info(
    record,
    'semamesh:waypoint:audit',
  );
  return out;
}

test('an audit line is the line pino writes for the same record', () => {
  const records: Record<string, unknown>[] = [
    {
      id: 'a',
      agent: { namespace: 'ns', labels: { app: 'x"y\\z' } },
      model: 'gpt-4o\n\u0001\u2028',
      stream: false,
      tokens: { prompt_estimate: 3, prompt: null },
      intents: ['delete:database'],
      decision: { action: 'BLOCK', risk: 'High', reasons: [{ policy: 'p', rule: 'r', message: 'm' }] },
      skipped: undefined,
      latencyMs: 0.125,
      error: null,
    },
    { id: 'b', error: { code: 'SM_ERR_X', rule: null }, prompt: 'é 🚀 "quoted" \\ \t' },
    {},
  ];
  for (const r of records) {
    const mine = auditLine(r);
    assert.match(mine, TIME);
    assert.equal(mine.replace(TIME, '"time":"T"'), pinoLine(r).replace(TIME, '"time":"T"'));
    assert.ok(!Number.isNaN(Date.parse(JSON.parse(mine).time)));
  }
});
