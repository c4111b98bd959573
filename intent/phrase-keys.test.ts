// The build's store of vocabulary phrase keys: the same keys as lexing them, and a store from other
// modules or lists (or a broken one) is never used.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { phraseKey } from './lexing.js';
import { keySource, readStore, STORED_KEYS_PATH, storedKeysFile, vocabularyKey } from './phrase-keys.js';
import * as words from './prose-words.js';

const here = new URL('./', import.meta.url).pathname;

test('the keys loaded at start-up are the lexed keys, and the store a build writes holds them', () => {
  assert.ok(words.STOP.has(phraseKey('the')));
  for (const w of ['Delete', 'wipe out', 'bórralos', 'did not', 'ne…pas', 'データベース'])
    assert.equal(vocabularyKey(w), phraseKey(w), w);
  const dir = mkdtempSync(join(tmpdir(), 'phrase-keys-'));
  try {
    const path = join(dir, 'phrase-keys.json');
    writeFileSync(path, storedKeysFile('S1'));
    const store = readStore(path, () => 'S1');
    // Running from sources there is no store, so every list word was lexed here and is in it.
    assert.ok(store.size > 1000, `${store.size} keys stored`);
    for (const [w, k] of store) assert.equal(k, phraseKey(w), w);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a store from other sources, of another format or broken is not used', () => {
  const dir = mkdtempSync(join(tmpdir(), 'phrase-keys-'));
  try {
    const path = join(dir, 'phrase-keys.json');
    writeFileSync(path, storedKeysFile('S1'));
    assert.equal(readStore(path, () => 'S2').size, 0);
    writeFileSync(path, storedKeysFile('S1').replace('semamesh-phrase-keys-1', 'semamesh-phrase-keys-0'));
    assert.equal(readStore(path, () => 'S1').size, 0);
    writeFileSync(path, '{"format":');
    assert.equal(readStore(path, () => 'S1').size, 0);
    assert.equal(readStore(join(dir, 'absent.json'), () => 'S1').size, 0);
    // A source tree has no store next to its modules (only a build writes one, into dist/).
    assert.equal(readStore(STORED_KEYS_PATH).size, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the source hash changes with any module or vocabulary file, not with tests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'phrase-keys-src-'));
  try {
    for (const sub of ['', 'data/', 'languages/']) {
      mkdirSync(join(dir, sub), { recursive: true });
      for (const f of readdirSync(join(here, sub)))
        if (f.endsWith('.json') || f.endsWith('.ts')) copyFileSync(join(here, sub, f), join(dir, sub, f));
    }
    // Sources are .ts; a build hashes its .js files: the same rule over renamed copies.
    writeFileSync(join(dir, 'lexing.js'), 'one');
    writeFileSync(join(dir, 'lexing.test.js'), 'a test');
    const before = keySource(`${dir}/`);
    writeFileSync(join(dir, 'lexing.test.js'), 'another test');
    assert.equal(keySource(`${dir}/`), before);
    writeFileSync(join(dir, 'lexing.js'), 'two');
    const afterCode = keySource(`${dir}/`);
    assert.notEqual(afterCode, before);
    const lang = readdirSync(join(dir, 'languages')).find((f) => f.endsWith('.json'))!;
    writeFileSync(join(dir, 'languages', lang), '{}');
    const afterLanguage = keySource(`${dir}/`);
    assert.notEqual(afterLanguage, afterCode);
    writeFileSync(join(dir, 'data', 'core.json'), '{}');
    assert.notEqual(keySource(`${dir}/`), afterLanguage);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a build stores valid keys in dist/ and its modules read them back', (t) => {
  const built = new URL('../dist/intent/', import.meta.url).pathname;
  if (!existsSync(`${built}phrase-keys.json`)) {
    t.skip('no build in dist/ (npm run build writes the store)');
    return;
  }
  const script = `
    const { readStore } = await import(${JSON.stringify(`${built}phrase-keys.js`)});
    const { phraseKey } = await import(${JSON.stringify(`${built}lexing.js`)});
    const store = readStore();
    const wrong = [...store].filter(([w, k]) => phraseKey(w) !== k).length;
    console.log(JSON.stringify({ size: store.size, wrong }));
  `;
  const out = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
  ) as { size: number; wrong: number };
  assert.ok(out.size > 1000, `${out.size} keys read back`);
  assert.equal(out.wrong, 0);
});
