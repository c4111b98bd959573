// The fast BPE encoder must give exactly js-tiktoken's ids: on real-looking and random texts, on long
// pieces that take the heap path, with special-token text treated as ordinary text, and when its
// rank table is read back from the compact form a build stores.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { BpeEncoder } from './bpe.js';

function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

const SAMPLES = [
  'Hello, world!',
  'kubectl delete ns prod && echo "done"   \n\n  tabs\tand   spaces',
  'Ünïcödé テキスト 中文 emoji 🚀🔥 and numbers 1234567890 3.14159',
  "I'm sure they'll say it's fine; we've DONE it, haven't WE?",
  'SELECT * FROM users WHERE id = 42; -- DROP TABLE users;\n\tcommit;',
  `${'lorem ipsum dolor sit amet '.repeat(50)}`,
  'say <|endoftext|> now',
  '{"role":"user","content":"Please summarise the attached report","tool_calls":[]}',
];

for (const [name, file] of [
  ['o200k_base', o200k],
  ['cl100k_base', cl100k],
] as const) {
  test(`${name}: ids equal js-tiktoken's on samples, random text and long pieces`, () => {
    const ours = new BpeEncoder(file);
    const ref = new Tiktoken(file);
    for (const text of SAMPLES) assert.deepEqual(ours.encode(text), ref.encode(text, [], []), text);
    const rnd = random(7);
    const alphabet = Array.from(
      'abcdefghijklmnopqrstuvwxyz ABCXYZ 0123456789 .,;:!?-_/\\\'"()[]{} \n\t éüß中文日本語🚀',
    );
    for (let k = 0; k < 300; k++) {
      let text = '';
      const len = Math.floor(rnd() * 300);
      for (let i = 0; i < len; i++) text += alphabet[Math.floor(rnd() * alphabet.length)];
      assert.deepEqual(ours.encode(text), ref.encode(text, [], []), JSON.stringify(text));
      assert.equal(ours.count(text), ref.encode(text, [], []).length);
    }
    // Long pieces (a base64 blob, a run of one letter, hex) take the heap path.
    const b64 = Buffer.from(Array.from({ length: 3000 }, () => Math.floor(rnd() * 256))).toString('base64');
    for (const text of [b64, 'a'.repeat(700), 'ab'.repeat(400), '0123456789abcdef'.repeat(40)])
      assert.deepEqual(ours.encode(text), ref.encode(text, [], []), text.slice(0, 40));

    // The compact table a build stores reads back to the same encoder (also from an unaligned copy).
    const stored = ours.serialized();
    const unaligned = new Uint8Array(stored.length + 1).subarray(1);
    unaligned.set(stored);
    for (const table of [stored, unaligned]) {
      const back = new BpeEncoder(file, table);
      assert.equal(back.size, ours.size);
      for (const text of [...SAMPLES, b64]) assert.deepEqual(back.encode(text), ref.encode(text, [], []));
    }
    assert.throws(
      () => new BpeEncoder(file, stored.subarray(0, stored.length - 1)),
      /not a serialized table/,
    );
  });
}
