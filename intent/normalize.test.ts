// Obfuscated spellings fold back to the plain word, and ordinary text, names and other scripts stay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultCanonicalizer } from './canonicalize.js';
import { decodedRuns } from './decode.js';
import { normalizeText, normalizeUnicode, stripDiacritics } from './normalize.js';

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
