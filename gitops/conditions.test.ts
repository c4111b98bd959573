// Tests the condition helper: transition times move only on a status change, removal, ordering.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONDITION_TYPES, setCondition } from './conditions.js';

describe('setCondition', () => {
  test('keeps lastTransitionTime while the status holds, moves it on a change, and removes', () => {
    const t1 = new Date('2026-01-01T00:00:00Z');
    const t2 = new Date('2026-01-01T00:05:00Z');
    let c = setCondition([], 'Stalled', { status: 'True', reason: 'ValidationFailed', message: 'a' }, 1, t1);
    c = setCondition(c, 'Ready', { status: 'False', reason: 'ValidationFailed', message: 'a' }, 1, t1);
    assert.deepEqual(
      c.map((x) => x.type),
      ['Ready', 'Stalled'],
      'Ready comes first',
    );
    c = setCondition(c, 'Ready', { status: 'False', reason: 'GitOperationFailed', message: 'b' }, 2, t2);
    assert.equal(c[0].lastTransitionTime, '2026-01-01T00:00:00Z');
    assert.equal(c[0].reason, 'GitOperationFailed');
    assert.equal(c[0].observedGeneration, 2);
    c = setCondition(c, 'Ready', { status: 'True', reason: 'Succeeded', message: 'ok' }, 2, t2);
    assert.equal(c[0].lastTransitionTime, '2026-01-01T00:05:00Z');
    c = setCondition(c, 'Stalled', undefined, 2, t2);
    assert.deepEqual(
      c.map((x) => x.type),
      ['Ready'],
    );
  });

  test('declares a polarity for every condition type, Ready being the only positive one', () => {
    const positive = Object.entries(CONDITION_TYPES)
      .filter(([, v]) => v.polarity === 'positive')
      .map(([k]) => k);
    assert.deepEqual(positive, ['Ready']);
  });
});
