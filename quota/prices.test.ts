// Price table lookups: dated, aliased and vendor-prefixed names, longest-prefix matching, overrides.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalModel, DEFAULT_PRICES, lookupKey, PriceBook } from './prices.js';

const keys = Object.keys(DEFAULT_PRICES);

test('dated and aliased model names find their table entry', () => {
  const cases: Array<[string, string | undefined]> = [
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['gpt-4o-2024-05-13', 'gpt-4o-2024-05-13'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['openai/gpt-4.1-mini', 'gpt-4.1-mini'],
    ['gpt-4.1-nano-2025-04-14', 'gpt-4.1-nano'],
    ['o3-mini-2025-01-31', 'o3-mini'],
    ['o1-preview', 'o1'],
    ['o4-mini', 'o4-mini'],
    ['gpt-5-chat-latest', 'gpt-5-chat'],
    ['gpt-5-mini-2025-08-07', 'gpt-5-mini'],
    ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet'],
    ['claude-3.5-sonnet', 'claude-3-5-sonnet'],
    ['anthropic/claude-3.7-sonnet', 'claude-3-7-sonnet'],
    ['claude-sonnet-4-20250514', 'claude-sonnet-4'],
    ['claude-4-sonnet', 'claude-sonnet-4'],
    ['claude-opus-4-1-20250805', 'claude-opus-4-1'],
    ['us.anthropic.claude-3-5-haiku-20241022-v1:0', 'claude-3-5-haiku'],
    ['claude-3-opus@20240229', 'claude-3-opus'],
    ['claude-haiku-4-5', 'claude-haiku-4-5'],
    ['llama-3-70b', undefined],
    ['gpt-4oo', undefined],
  ];
  for (const [model, want] of cases) assert.equal(lookupKey(model, keys), want, model);
  assert.equal(canonicalModel(' GPT-4o '), 'gpt-4o');
});

test('overrides win over the table and keep the table output cap; unknown models get the default', () => {
  const book = new PriceBook(DEFAULT_PRICES, { inputPer1M: 7, outputPer1M: 9 });
  const o = book.resolve('gpt-4o-2024-11-20', { 'gpt-4o': { inputPer1M: 1, outputPer1M: 2 } });
  assert.equal(o.source, 'override');
  assert.equal(o.inputPer1M, 1);
  assert.equal(o.maxOutputTokens, 16_384);
  assert.equal(book.resolve('claude-3-haiku-20240307').outputPer1M, 1.25);
  const u = book.resolve('my-local-model');
  assert.equal(u.source, 'default');
  assert.equal(u.inputPer1M, 7);
});

test('every table entry has sane prices', () => {
  for (const [k, p] of Object.entries(DEFAULT_PRICES)) {
    assert.ok(p.inputPer1M > 0 && p.outputPer1M >= p.inputPer1M, k);
    assert.ok((p.cachedInputPer1M ?? p.inputPer1M) <= p.inputPer1M, k);
  }
});
