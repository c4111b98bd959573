// Window arithmetic, fingerprints and header formatting, independent of any store.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, promptFingerprint, stepFingerprint, toolCallFingerprint } from './fingerprint.js';
import { formatResetDuration, rateLimitHeaders } from './headers.js';
import { pingPongCount } from './store.js';
import { nextPeriodStart, periodStart, resetAt, retryAfterMs, windowRange } from './windows.js';

const T = Date.UTC(2026, 1, 28, 23, 59, 30, 250);

test('calendar periods are UTC minute/hour/day/month boundaries, months of any length', () => {
  assert.equal(periodStart('minute', T), Date.UTC(2026, 1, 28, 23, 59));
  assert.equal(nextPeriodStart('hour', T), Date.UTC(2026, 2, 1, 0));
  assert.equal(nextPeriodStart('day', T), Date.UTC(2026, 2, 1));
  assert.equal(periodStart('month', T), Date.UTC(2026, 1, 1));
  assert.equal(nextPeriodStart('month', Date.UTC(2026, 11, 31, 23)), Date.UTC(2027, 0, 1));
  assert.deepEqual(windowRange('day', 'calendar', T), {
    lo: Date.UTC(2026, 1, 28),
    hi: Date.UTC(2026, 1, 28),
  });
});

test('a rolling window counts the N buckets before the current one and the current one', () => {
  const { lo, hi } = windowRange('hour', 'rolling', T);
  assert.equal(hi, Date.UTC(2026, 1, 28, 23, 59));
  assert.equal(lo, Date.UTC(2026, 1, 28, 22, 59));
  assert.equal(resetAt('hour', 'rolling', T, hi), hi + 3_600_000 + 60_000);
  assert.equal(resetAt('hour', 'rolling', T, undefined), T);
});

test('retry-after waits for enough old buckets to leave, or briefly for holds, or for the reset', () => {
  const b0 = Date.UTC(2026, 1, 28, 23, 59, 0);
  const buckets = [
    { bucket: b0 - 30_000, value: 3 },
    { bucket: b0 - 10_000, value: 5 },
  ];
  const now = b0 + 30_250;
  assert.equal(retryAfterMs('minute', 'rolling', now, 3, buckets, 0), b0 - 30_000 + 61_000 - now);
  assert.equal(retryAfterMs('minute', 'rolling', now, 4, buckets, 0), b0 - 10_000 + 61_000 - now);
  assert.equal(retryAfterMs('minute', 'rolling', now, 10, buckets, 5), 1000);
  assert.equal(retryAfterMs('minute', 'rolling', now, 10, buckets, 0), 60_000);
  assert.equal(retryAfterMs('minute', 'calendar', now, 1, [], 0), Date.UTC(2026, 2, 1) - now);
});

test('ping-pong counts alternations of two steps only', () => {
  assert.equal(pingPongCount(['A', 'B', 'A']), 0);
  assert.equal(pingPongCount(['B', 'A', 'B', 'A']), 2);
  assert.equal(pingPongCount(['A', 'B', 'A', 'B', 'A', 'C']), 3);
  assert.equal(pingPongCount(['A', 'A', 'A', 'A']), 0);
  assert.equal(pingPongCount(['A', 'B', 'C', 'B', 'A']), 0);
});

test('fingerprints ignore spacing, case, key order and call order', () => {
  assert.equal(promptFingerprint('Drop  the DB\n'), promptFingerprint('drop the db'));
  assert.notEqual(promptFingerprint('drop the db'), promptFingerprint('drop the dbs'));
  assert.equal(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null }), '{"a":null,"b":[1,{"c":2,"d":1}]}');
  const a = toolCallFingerprint({ name: 'sql', arguments: '{"q":"select 1","db":"x"}' });
  assert.equal(a, toolCallFingerprint({ name: 'sql', arguments: { db: 'x', q: 'select 1' } }));
  assert.notEqual(a, toolCallFingerprint({ name: 'sql2', arguments: { db: 'x', q: 'select 1' } }));
  const b = toolCallFingerprint('kubectl get pods');
  assert.equal(stepFingerprint([a, b]), stepFingerprint([b, a, a]));
  assert.equal(stepFingerprint([]), undefined);
});

test('header formats: OpenAI durations and structured-field strings', () => {
  assert.equal(formatResetDuration(20), '20ms');
  assert.equal(formatResetDuration(1500), '1.5s');
  assert.equal(formatResetDuration(360_000), '6m0s');
  assert.equal(formatResetDuration(3_723_000), '1h2m3s');
  const h = rateLimitHeaders(
    [
      {
        quota: 'a"b',
        window: 'hour',
        type: 'rolling',
        windowSeconds: 3600,
        limits: { tokens: 10 },
        remaining: { tokens: 4, cost: 0, requests: 0 },
        resetInMs: 1200,
      },
    ],
    0.2,
  );
  assert.equal(h['retry-after'], '1');
  assert.equal(h['ratelimit-policy'], '"a\\"b-hour-tokens";q=10;w=3600;qu="token"');
  assert.equal(h.ratelimit, '"a\\"b-hour-tokens";r=4;t=2');
  assert.equal(h['x-ratelimit-reset-tokens'], '1.2s');
  assert.equal(h['x-ratelimit-limit-requests'], undefined);
});
