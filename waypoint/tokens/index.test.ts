// Tests for token counting: the piece-cached counter agrees with js-tiktoken's own encoder, models map
// to the right encoding, special-token text is counted rather than thrown on, and the encoding a
// build stores (named by js-tiktoken's version) reads back to the same ids without the rank module.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { encodingFor, loadTokenizers, readStoredEncoding, storedEncoding, storedTablePath } from './index.js';

test('counts equal js-tiktoken o200k_base, including on repeated and unusual text', async () => {
  const t = await loadTokenizers();
  const ref = new Tiktoken(o200k);
  const texts = [
    'Hello, world!',
    'kubectl delete ns prod && echo "done"   \n\n  tabs\tand   spaces',
    'Ünïcödé テキスト 中文 emoji 🚀🔥 and numbers 1234567890 3.14159',
    'Hello, world! Hello, world! again',
    `${'lorem ipsum dolor sit amet '.repeat(50)}`,
  ];
  for (const text of texts) assert.equal(t.count(text, 'o200k_base'), ref.encode(text).length, text);
  // Pseudo-random texts over a mixed alphabet, so many pieces are new to the cache.
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const alphabet = 'abcdefghijklmnopqrstuvwxyz ABCXYZ 0123456789 .,;:!?-_/\\\'"()[]{} \n\t éüß中文🚀';
  for (let k = 0; k < 200; k++) {
    let text = '';
    const len = Math.floor(rnd() * 200);
    for (let i = 0; i < len; i++)
      text += Array.from(alphabet)[Math.floor(rnd() * Array.from(alphabet).length)];
    assert.equal(t.count(text, 'o200k_base'), ref.encode(text, [], []).length, JSON.stringify(text));
  }
  const refCl = new Tiktoken(cl100k);
  for (const text of texts)
    assert.equal(t.count(text, 'cl100k_base'), refCl.encode(text, [], []).length, text);
  assert.equal(
    t.count('say <|endoftext|> now', 'o200k_base'),
    ref.encode('say <|endoftext|> now', [], []).length,
  );
});

test('models map to their encodings', () => {
  assert.equal(encodingFor('gpt-4o-mini'), 'o200k_base');
  assert.equal(encodingFor('o4-mini'), 'o200k_base');
  assert.equal(encodingFor('gpt-5'), 'o200k_base');
  assert.equal(encodingFor('gpt-4-0613'), 'cl100k_base');
  assert.equal(encodingFor('gpt-3.5-turbo'), 'cl100k_base');
  assert.equal(encodingFor('claude-haiku-4-5'), 'o200k_base');
});

test('the stored encoding is named by js-tiktoken version and reads back to its ids', () => {
  const require = createRequire(import.meta.url);
  const pkg = JSON.parse(
    readFileSync(require.resolve('js-tiktoken').replace(/dist\/index\.cjs$/, 'package.json'), 'utf8'),
  ) as { version: string };
  for (const [enc, file] of [
    ['o200k_base', o200k],
    ['cl100k_base', cl100k],
  ] as const) {
    assert.ok(storedTablePath(enc)?.endsWith(`/${enc}-js-tiktoken-${pkg.version}.ranks`));
    const stored = Buffer.from(storedEncoding(file));
    const back = readStoredEncoding(stored);
    const ref = new Tiktoken(file);
    for (const text of ['Hello, world!', 'Ünïcödé テキスト 中文 🚀 1234567', "we've DONE it, haven't WE?"])
      assert.deepEqual(back.encode(text), ref.encode(text, [], []), text);
    assert.throws(() => readStoredEncoding(stored.subarray(0, 2)));
    assert.throws(() => readStoredEncoding(stored.subarray(0, stored.length - 1)), /not a serialized table/);
  }
});
