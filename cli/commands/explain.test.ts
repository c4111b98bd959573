// `semamesh explain`: language, spans, the rule that matched and why an action produced nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainText, formatExplanation } from './explain.js';
import { samplePolicyPath } from './policy-cache.js';

test('explain shows the pairs with their spans, the matching rule and the rejected actions', async () => {
  const text = "Don't delete the namespace. Elimina la base de datos de producción.";
  const e = await explainText(text, [samplePolicyPath()]);
  assert.deepEqual(e.pairs, ['delete:database']);
  assert.equal(text.slice(...e.evidence[0].action), 'Elimina');
  assert.equal(text.slice(...(e.evidence[0].object ?? [0, 0])), 'base de datos');
  assert.deepEqual(
    e.rejected.map((r) => [text.slice(...r.span), r.reason]),
    [['delete', 'negated']],
  );
  const rule = e.rules.find((r) => r.rule === 'prevent-unauthorized-deletion');
  assert.deepEqual(rule?.matched, ['delete:database']);
  const out = formatExplanation(text, e);
  assert.match(
    out,
    /✓ default\/prevent-unauthorized-deletion \/ prevent-unauthorized-deletion \(BLOCK\): matched delete:database/,
  );
  assert.match(out, /"delete" \[6,12\): negated/);
  const none = await explainText('Kill the node process on port 3000', [samplePolicyPath()]);
  assert.deepEqual(none.pairs, []);
  assert.match(formatExplanation('Kill the node process on port 3000', none), /no object in the vocabulary/);
});
