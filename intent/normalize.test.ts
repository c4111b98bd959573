// Obfuscated spellings fold back to the plain word, and ordinary text, names and other scripts stay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../test/random.js';
import { defaultCanonicalizer } from './canonicalize.js';
import { decodedRuns } from './decode.js';
import { normalizeText, normalizeUnicode, stripDiacritics } from './normalize.js';

/** normalizeUnicode of a text, not answered from its memo of the last result. */
const afresh = (text: string) => {
  normalizeUnicode('\u0451');
  return normalizeUnicode(text);
};

test('invisible, bidi, width, accents, small capitals and homoglyphs fold to ASCII', () => {
  for (const hidden of [
    'dr\u200cop',
    'dr\u2060op',
    'dr\ufeffop',
    'dr\u00adop',
    'dr\u034fop',
    'dr\u180eop',
    'dr\u2062op',
    '\u202edrop',
    'dr\u043ep',
    'dr\u03bfp',
    '\u1d05\u0280\u1d0f\u1d18',
    '\uff44\uff52\uff4f\uff50',
  ])
    assert.equal(normalizeText(hidden).toLowerCase(), 'drop', JSON.stringify(hidden));
});

test('accents: stray marks go, letters of a language stay, and the bare reading drops them all', () => {
  // A mark that composes is a letter (ḏ, ó); one that does not (a stroke over r) is decoration.
  assert.equal(normalizeText('d\u0331r\u0336o\u0301p'), '\u1e0fr\u00f3p');
  assert.equal(stripDiacritics(normalizeText('d\u0331r\u0336o\u0301p')), 'drop');
  // "qué" is not "que", "détruis" is French: the normalised text keeps them.
  assert.equal(
    normalizeText('¿Qué pasa? Détruis-le. Lösche ihn. Apague a produção.'),
    '¿Qué pasa? Détruis-le. Lösche ihn. Apague a produção.',
  );
  assert.equal(stripDiacritics('Détruis la base de données'), 'Detruis la base de donnees');
});

test('normalisation is final in one pass: normalising again changes nothing, for every code point', () => {
  // Each code point alone, between Latin letters, between Cyrillic letters and after a space.
  let changed = 0;
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    for (const text of [c, `a${c}b`, `\u0434${c}\u0434`, `x ${c}`]) {
      // A text left as it was is final already.
      const once = normalizeUnicode(text);
      if (once === text) continue;
      changed++;
      const twice = afresh(once);
      if (twice !== once)
        assert.fail(`U+${cp.toString(16)} in ${JSON.stringify(text)}: ${JSON.stringify([once, twice])}`);
    }
  }
  assert.ok(changed > 10_000, `the code points do get normalised (${changed})`);
  // NFKC spells these as a space and a combining mark; the mark goes in the same pass.
  for (const accent of '\u00a8\u00af\u00b4\u00b8\u02d8\u02dc\u0384\u1fbd\u1fc1\u2017\u203e\ufe49\uffe3')
    assert.equal(afresh(`a${accent}b`), 'a b', `U+${accent.codePointAt(0)?.toString(16)}`);
});

test('random texts of folded, accented and spacing characters normalise to a final text', () => {
  const pieces = [
    'd',
    'r',
    'о',
    'p',
    ' ',
    '\u00b4',
    '\u0301',
    '\u200c',
    'é',
    'ё',
    '\uff44',
    '\u1d05',
    'A',
    '0',
    '\u2017',
    '-',
  ];
  const rnd = mulberry32(7);
  for (let k = 0; k < 20_000; k++) {
    const text = Array.from(
      { length: 1 + Math.floor(rnd() * 12) },
      () => pieces[Math.floor(rnd() * pieces.length)],
    ).join('');
    const once = afresh(text);
    assert.equal(afresh(once), once, JSON.stringify(text));
    assert.equal(normalizeUnicode(once), once);
  }
});

test('spaced letters and leetspeak are joined and folded; numbers and names are not', () => {
  assert.equal(normalizeText('d r o p it'), 'drop it');
  assert.equal(normalizeText('d.r.o.p it'), 'drop it');
  assert.equal(normalizeText('dr0p del3te k1ll de1ete'), 'drop delete kill delete');
  assert.equal(normalizeText('node3 ec2 gpt-4o web-1 2024'), 'node3 ec2 gpt-4o web-1 2024');
  assert.equal(normalizeText('mail bob@corp.com'), 'mail bob@corp.com');
});

test('other scripts keep their words (only look-alike or mixed words are folded)', () => {
  assert.equal(normalizeUnicode('удалить базу данных'), 'удалить базу данных');
  assert.equal(normalizeUnicode('データベースを削除'), 'データベースを削除');
  assert.equal(normalizeUnicode('डेटाबेस हटाओ'), 'डेटाबेस हटाओ'.normalize('NFKC'));
});

test('base64, hex and percent-encoded runs decode to the text they hide', () => {
  const b64 = Buffer.from('kubectl delete namespace prod').toString('base64');
  assert.deepEqual(decodedRuns(`run this: ${b64}`), ['kubectl delete namespace prod']);
  const hex = Buffer.from('drop database app').toString('hex');
  assert.deepEqual(decodedRuns(`printf ${hex} | xxd -r -p | psql`), ['drop database app']);
  assert.deepEqual(decodedRuns('q=%64%72%6f%70%20table'), ['q=drop table']);
  assert.deepEqual(decodedRuns('KubernetesDeploymentController and sha256:abcdef0123456789'), []);
});

test('the canonicalizer reads every character: a request after 64 KiB of filler still counts', () => {
  const c = defaultCanonicalizer();
  assert.deepEqual(c.pairs(`${'lorem ipsum '.repeat(8000)}\nDrop the production database now.`), [
    'delete:database',
  ]);
  assert.deepEqual(c.pairs(`Decode and run: ${Buffer.from('kubectl delete ns prod').toString('base64')}`), [
    'delete:namespace',
  ]);
});
