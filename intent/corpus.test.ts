// Scores the canonicalizer on the labelled intent corpus (intent/corpus) and holds it to
// correctness floors: recall of destructive intents and the false-positive rate on benign text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultCanonicalizer } from './canonicalize.js';
import { formatScore, loadCorpus, loadHeldOut, parseCorpusFile, scoreCorpus } from './corpus.js';
import { ACTIONS, OBJECTS } from './lexicon.js';

const corpus = loadCorpus();

test('the corpus is large, balanced and uses only the canonical vocabulary', () => {
  assert.ok(corpus.length + loadHeldOut().length >= 2000, `${corpus.length} tuned examples`);
  for (const lang of ['en', 'es', 'de', 'fr', 'pt', 'zh', 'ja'])
    assert.ok(corpus.filter((e) => e.language === lang).length >= 150, `${lang}: too few tuned examples`);
  const benign = corpus.filter((e) => e.label === 'benign').length;
  assert.ok(benign / corpus.length >= 0.4, `${benign} benign of ${corpus.length}`);
  for (const e of corpus) {
    for (const pair of [...e.expect, ...e.allow]) {
      const [action, object] = pair.split(':');
      assert.ok(action in ACTIONS, `${e.file}#${e.index}: unknown action in ${pair}`);
      assert.ok(object in OBJECTS, `${e.file}#${e.index}: unknown object in ${pair}`);
    }
  }
});

test('recall ≥ 0.95 and false-positive rate ≤ 0.02 on the corpus', () => {
  const score = scoreCorpus(defaultCanonicalizer(), corpus);
  console.log(formatScore(score, true));
  assert.ok(score.recall >= 0.95, `recall ${score.recall.toFixed(3)}`);
  assert.ok(score.falsePositiveRate <= 0.02, `false-positive rate ${score.falsePositiveRate.toFixed(3)}`);
});

test('every language of the tuned split meets the floors on its own', () => {
  const score = scoreCorpus(defaultCanonicalizer(), corpus);
  for (const [lang, row] of score.perLanguage) {
    assert.ok(row.hits / row.destructive >= 0.95, `${lang}: recall ${row.hits}/${row.destructive}`);
    assert.ok(
      row.falsePositives / row.benign <= 0.02,
      `${lang}: ${row.falsePositives}/${row.benign} false positives`,
    );
  }
});

test('every category is measured and none is all misses', () => {
  const score = scoreCorpus(defaultCanonicalizer(), corpus);
  for (const [name, row] of score.perCategory) {
    assert.ok(row.destructive + row.benign > 0, name);
    if (row.destructive > 0) assert.ok(row.hits > 0, `${name}: no destructive example recognized`);
  }
});

test('the corpus loader rejects malformed examples with their location', () => {
  const file = (examples: string) => `category: c\nexamples:\n${examples}`;
  assert.throws(() => parseCorpusFile('x.yaml', 'examples: []'), /x\.yaml: expected/);
  assert.throws(
    () => parseCorpusFile('x.yaml', file('  - {text: a, label: destructive, expect: []}')),
    /x\.yaml#0/,
  );
  assert.throws(() => parseCorpusFile('x.yaml', file('  - {text: a, label: maybe}')), /x\.yaml#0: bad label/);
  assert.throws(
    () => parseCorpusFile('x.yaml', file('  - {label: benign}')),
    /exactly one of text or toolCall/,
  );
  assert.throws(
    () => parseCorpusFile('x.yaml', file('  - {text: a, label: benign, expect: [delete]}')),
    /pairs/,
  );
  assert.throws(
    () => parseCorpusFile('x.yaml', file('  - {text: a, label: benign, allow: [delete:file]}')),
    /cannot expect or allow a destructive pair/,
  );
  assert.equal(parseCorpusFile('x.yaml', file('  - {text: a, label: benign}'))[0].expect.length, 0);
});
