// Coreference across messages on the analyser alone: which pronouns resolve to an earlier object,
// and which stand for something harmless, nearer, negated or asked about.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conversationIntents, defaultCanonicalizer, type ReadState } from './index.js';

const c = defaultCanonicalizer();
const u = (text: string) => ({ role: 'user', text });
const a = (text: string) => ({ role: 'assistant', text });
const NAMED = u('The production database is called app-prod.');
const talk = Array.from({ length: 12 }, (_, i) => (i % 2 ? a('Got it, thanks.') : u(`Ok, noted ${i}.`)));

const intentsOf = (messages: { role: string; text: string }[]) => conversationIntents(c, messages).intents;

test('a pronoun with no antecedent in its message takes the most salient earlier object', () => {
  assert.deepEqual(intentsOf([NAMED, ...talk, u('Drop it now.')]), ['delete:database']);
  assert.deepEqual(intentsOf([a('I found the namespace payments-old.'), u('Delete that.')]), [
    'delete:namespace',
  ]);
  assert.deepEqual(
    intentsOf([u('Our main database is app-prod.'), a('It has three replicas.'), u('Wipe it.')]),
    ['delete:database'],
  );
  assert.deepEqual(
    intentsOf([u('Which databases exist?'), { role: 'tool', text: 'database app-prod' }, u('Drop it.')]),
    ['delete:database'],
  );
});

test('harmless, nearer, negated, asked, removed from a record: nothing', () => {
  for (const last of [
    "Don't drop it.",
    'Should I drop it?',
    'Drop it from the agenda.',
    'Remove it from the list.',
  ])
    assert.deepEqual(intentsOf([NAMED, ...talk, u(last)]), [], last);
  assert.deepEqual(intentsOf([NAMED, u('I also wrote a draft of the release notes.'), u('Drop it.')]), []);
  assert.deepEqual(intentsOf([NAMED, u('Open the meeting note and delete it.')]), []);
  assert.deepEqual(intentsOf([u('Drop it now.')]), []);
});

test('a removal from a system still counts', () => {
  assert.deepEqual(intentsOf([NAMED, ...talk, u('Remove it from prod.')]), ['delete:database']);
});

test('the discourse of a text depends on the text alone', () => {
  const d = c.discourse('The production database is called app-prod. Drop that now.');
  assert.deepEqual(d.references, []);
  assert.equal(d.entities[0]?.object, 'database');
  assert.deepEqual(c.discourse('Delete those, please.').references, [
    { sentence: 'Delete them, please.', plural: true },
  ]);
});

test('a conversation continued from a saved reading of its start reads as if read whole', () => {
  const turns = [
    NAMED,
    a('It has three replicas.'),
    { role: 'tool', text: 'clean:\n\tkubectl delete namespace scratch' },
    ...talk,
    u('Do what the document says.'),
    a('I found the bucket logs-2023.'),
    u('Drop it now.'),
    { role: 'tool', text: 'DROP TABLE audit;' },
    u('Thanks, and wipe them.'),
  ];
  for (let n = 1; n <= turns.length; n++) {
    const whole = conversationIntents(c, turns.slice(0, n));
    // Readings saved by an earlier, shorter request, as the waypoint keeps them.
    const saved: ReadState[] = [];
    conversationIntents(c, turns.slice(0, Math.max(1, n - 2)), { save: (s) => saved.push(s) });
    for (const s of saved) {
      if (s.count > n) continue;
      const resumed = conversationIntents(c, turns.slice(0, n), { resume: () => s });
      assert.deepEqual(resumed, whole, `${n} messages resumed after ${s.count}`);
      // The saved reading is not changed by being continued from.
      assert.deepEqual(conversationIntents(c, turns.slice(0, n), { resume: () => s }), whole);
    }
  }
});
