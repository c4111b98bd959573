// Unit tests of the provider-neutral parts: script resolution, reply shaping under a token budget,
// and how text and tool arguments are cut into stream deltas.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { shapeCompletion, textOf } from './completion.js';
import { defaultReplyText, ScriptStore } from './script.js';
import { splitArguments, splitText } from './sse.js';
import { createApproxTokenizer, loadTokenizer } from './tokens.js';

describe('ScriptStore', () => {
  test('falls back to the echo reply, and a tool-call script has empty text', () => {
    const store = new ScriptStore(true);
    assert.equal(store.resolve('hi').text, 'Mock reply to: hi');
    const canned = store.resolve('now run the cleanup');
    assert.equal(canned.text, '');
    assert.deepEqual(canned.toolCalls, [
      { name: 'shell', arguments: '{"command":"kubectl delete ns prod"}' },
    ]);
  });

  test('a g-flagged regex matches every time (no lastIndex state)', () => {
    const store = new ScriptStore(false);
    store.add({ match: /x/g, reply: { text: 'hit' } });
    assert.equal(store.resolve('x').text, 'hit');
    assert.equal(store.resolve('x').text, 'hit');
  });

  test('times removes the entry once used up; later entries take over', () => {
    const store = new ScriptStore(false);
    const h = store.add({ times: 2, reply: { text: 'a' } });
    store.add({ reply: { text: 'b' } });
    assert.deepEqual(
      [1, 2, 3].map(() => store.resolve('').text),
      ['a', 'a', 'b'],
    );
    assert.equal(h.hits, 2);
    assert.equal(store.size, 1);
  });

  test('defaultReplyText collapses whitespace and cuts at 60 code points', () => {
    assert.equal(defaultReplyText('  a\n\tb  '), 'Mock reply to: a b');
    assert.equal(defaultReplyText(''), 'Mock reply.');
    const emoji = '😀'.repeat(70);
    assert.equal(defaultReplyText(emoji), `Mock reply to: ${'😀'.repeat(60)}`);
  });
});

describe('shapeCompletion', () => {
  const plan = (text: string, toolCalls: { name: string; arguments: string }[] = []) => ({
    text,
    toolCalls,
    chunks: undefined,
    delayMs: 0,
    chunkDelayMs: 0,
    status: 200,
    error: undefined,
    headers: {},
  });

  test('counts text and tool calls with o200k', async () => {
    const tk = await loadTokenizer('o200k');
    const c = shapeCompletion(plan('Hello world', [{ name: 'shell', arguments: '{"a":1}' }]), undefined, tk);
    assert.equal(c.truncated, false);
    assert.equal(c.completionTokens, 2 + tk.count('shell') + tk.count('{"a":1}'));
  });

  test('a budget that ends inside the tool arguments cuts them and drops later calls', () => {
    const tk = createApproxTokenizer();
    const calls = [
      { name: 'shell', arguments: '{"command": "kubectl delete ns prod"}' },
      { name: 'other', arguments: '{}' },
    ];
    const c = shapeCompletion(plan('ok', calls), 6, tk);
    assert.equal(c.truncated, true);
    assert.equal(c.completionTokens, 6);
    assert.equal(c.toolCalls.length, 1);
    assert.ok(calls[0].arguments.startsWith(c.toolCalls[0].arguments));
    assert.ok(c.toolCalls[0].arguments.length < calls[0].arguments.length);
  });
});

describe('stream splitting and text extraction', () => {
  test('splitText keeps leading spaces with words and honours chunks', () => {
    assert.deepEqual(splitText('Hello big  world '), ['Hello', ' big', '  world ']);
    assert.deepEqual(splitText('abcdef', 3), ['ab', 'cd', 'ef']);
    assert.deepEqual(splitText('ab', 10), ['a', 'b']);
    assert.deepEqual(splitText(''), []);
  });

  test('splitArguments always gives several pieces that join back', () => {
    const args = '{"command":"kubectl delete ns prod"}';
    const pieces = splitArguments(args);
    assert.ok(pieces.length >= 2);
    assert.equal(pieces.join(''), args);
    assert.equal(splitArguments('{}').length, 2);
  });

  test('textOf reads every provider content shape', () => {
    assert.equal(
      textOf([{ type: 'text', text: 'a' }, { type: 'image_url' }, { type: 'input_text', text: 'b' }]),
      'a\nb',
    );
    assert.equal(textOf({ type: 'tool_result', content: [{ type: 'text', text: 'out' }] }), 'out');
    assert.equal(textOf({ type: 'function_call_output', output: 'res' }), 'res');
    let deep: unknown = 'x';
    for (let i = 0; i < 1000; i++) deep = [deep];
    assert.equal(textOf(deep), '');
  });
});
