// Tests for the names a refusal shows: the deciding reason's policy and rule, without repetition.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Decision, primaryMessage, primaryRule } from './decision.js';

const d = (reasons: Decision['reasons']): Decision => ({
  action: 'BLOCK',
  risk: 'High',
  reasons,
  redactions: [],
});

test('primaryRule names policy/rule once, and the action when there is no reason', () => {
  assert.equal(
    primaryRule(d([{ policy: 'default/no-deletes', rule: 'no-deletes', message: '' }])),
    'default/no-deletes',
  );
  assert.equal(
    primaryRule(d([{ policy: 'default/guard', rule: 'drop-db', message: '' }])),
    'default/guard/drop-db',
  );
  assert.equal(primaryRule(d([{ policy: '', rule: 'adhoc', message: '' }])), 'adhoc');
  assert.equal(primaryRule(d([])), 'semamesh/block');
  assert.equal(primaryMessage(d([])), 'request refused by SemaMesh policy (BLOCK)');
});
