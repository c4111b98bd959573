// The cheap pre-checks that let the analyser skip a scan (decode.ts `scanEncoded`, comments.ts
// `blankComments`, normalize.ts's ASCII memo) never skip a text the scan would have matched:
// checked against the patterns on many generated texts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../test/random.js';
import { blankComments } from './comments.js';
import { SPACED_HEX, scanEncoded } from './decode.js';
import { lex } from './lexing.js';
import { normalizeText, normalizeUnicode, stripDiacritics } from './normalize.js';

const pick = (rnd: () => number, pieces: string[], count: number) =>
  Array.from({ length: count }, () => pieces[Math.floor(rnd() * pieces.length)]).join('');

test('normalisation remembers only that one exact text is ASCII', () => {
  // The same length and letters, one with a Cyrillic о: the second is still folded.
  assert.equal(normalizeUnicode('please drop the prod db'), 'please drop the prod db');
  assert.equal(normalizeUnicode('please dr\u043ep the prod db'), 'please drop the prod db');
  assert.equal(stripDiacritics('please drop the prod db'), 'please drop the prod db');
  assert.equal(stripDiacritics('please dr\u00f2p the prod db'), 'please drop the prod db');
  assert.equal(normalizeText('please d\u200br\u200bo\u200bp it'), 'please drop it');
});

test('quotation marks are found in ASCII text and in text with any other quotation mark', () => {
  const quoted = (t: string) => lex(t).some((k) => k.quoted || k.w === 'quotedmention');
  // A quoted one- or two-word mention becomes a placeholder; a longer quotation is marked.
  for (const q of ['"x"', "'x'", '“x”', '‘x’', '«x»', '„x“', '「x」', '『x』'])
    assert.ok(quoted(`remove the word ${q} please`), q);
  assert.ok(quoted('translate "delete the whole database" to French'));
  assert.ok(quoted('translate « supprime la base entière » en anglais'));
  assert.equal(quoted('remove the word x please'), false);
});

test('scanEncoded: candidate runs are the maximal alphabet runs, and the spaced-hex flag is exact', () => {
  const rnd = mulberry32(14);
  const pieces = ['ab', '0f', 'F', '9', 'g', 'x', '\\x', ' ', ':', '=', '+', '/', '.', 'é', '\n'];
  let spacedHex = 0;
  for (let k = 0; k < 60_000; k++) {
    // Every third text is hex pairs and separators with a few slips (a lone digit, a doubled space);
    // every other text is long (the scan probes a text at intervals: runs at any offset are found).
    const s =
      k % 3 === 0
        ? pick(rnd, ['ab ', '0f:', 'C9 ', '7', 'g', '  ', 'e1'], 6 + Math.floor(rnd() * (k % 2 ? 10 : 60)))
        : pick(rnd, pieces, 4 + Math.floor(rnd() * (k % 2 ? 30 : 200)));
    const { runs, spacedHex: flag } = scanEncoded(s);
    assert.deepEqual(runs, s.match(/[A-Za-z0-9+/_\-=\\]{12,}/g) ?? [], JSON.stringify(s));
    assert.equal(flag, SPACED_HEX.test(s), JSON.stringify(s));
    if (flag) spacedHex++;
  }
  assert.ok(spacedHex > 20, `the generator reaches spaced hex (${spacedHex})`);
  assert.equal(scanEncoded('64 72 6f 70 20 64 61 74 61').spacedHex, true);
  assert.equal(scanEncoded('x64:72:6f:70:20:64:61:74:61y').spacedHex, true);
  assert.equal(scanEncoded('64 72 6f 70 20 64 61 74').spacedHex, true);
  assert.equal(scanEncoded('64 72 6f 70 20 64 61').spacedHex, false);
});

test('blankComments: a text with any comment marker is still blanked', () => {
  assert.equal(blankComments('SELECT 1;\n-- DROP TABLE users'), 'SELECT 1;\n                   ');
  assert.equal(blankComments('a /* drop */ b'), 'a            b');
  assert.equal(blankComments('// kubectl delete ns prod'), '                         ');
  assert.equal(blankComments('# kubectl delete ns prod'), '                        ');
  assert.equal(blankComments('Please drop the staging database.'), 'Please drop the staging database.');
});
