// The Unicode classes of regex.match (\p{..} categories, their one-letter unions and scripts)
// against opa eval's, which are Go's regexp tables (Unicode 15.0): code points assigned in Unicode
// 15.0 (new scripts, new letters, marks, symbols, digits), code points in older versions, and
// unassigned ones, each against the classes it belongs to and some it does not. (Go 1.26, which
// builds the opa under test, refuses script names with an underscore, \p{Nag_Mundari}; we accept
// them as earlier Go does, so they are not compared here.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findOpa, runOpa } from '../../engine/reference/opa.js';
import { semamesh } from './cli.js';

const { skip } = findOpa();
const dir = mkdtempSync(join(tmpdir(), 'sm-interop-regex-unicode-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Code points and the classes to try on each. */
const POINTS: [number, string[]][] = [
  [0x11f00, ['Kawi', 'Mn', 'M', 'L', 'Common']], // Kawi, new script in 15.0
  [0x11f50, ['Kawi', 'Nd', 'N']],
  [0x1e4d0, ['Lo', 'L', 'Lm', 'Cn']], // Nag Mundari, new script in 15.0
  [0x31350, ['Han', 'Lo', 'L']], // CJK extension H, 15.0
  [0x1f6dc, ['So', 'S', 'Common', 'Sm']], // a symbol added in 15.0
  [0x0cf3, ['Kannada', 'Mc', 'M']], // a mark added to Kannada in 15.0
  [0x1b132, ['Hiragana', 'Lo', 'Katakana']], // small kana added in 15.0
  [0x1d2c0, ['No', 'N', 'Common']], // Kaktovik numerals, 15.0
  [0x11241, ['Khojki', 'Mn']], // 15.0
  [0x10efd, ['Arabic', 'Mn', 'Inherited']], // 15.0
  [0x0ece, ['Lao', 'Mn']], // 15.0
  [0x13439, ['Mn', 'Cf']], // 15.0 (a format control became a mark)
  [0x0041, ['Lu', 'L', 'LC', 'Latin', 'Ll', 'Any']],
  [0x03a9, ['Greek', 'Lu', 'Common']],
  [0x2028, ['Zl', 'Z', 'Zs']],
  [0xe000, ['Co', 'C', 'Cn']],
  [0x0378, ['Any', 'C', 'Cn', 'Greek', 'L']], // unassigned
  [0x1f7da, ['So', 'Any']], // unassigned in 15.0 (assigned later)
];

test('regex.match \\p{..} / \\P{..} on Unicode 15.0 code points: the same verdicts as opa eval', {
  skip,
}, async () => {
  const cases = POINTS.flatMap(([cp, names]) =>
    names.flatMap((n) => [
      { re: `^\\p{${n}}$`, s: String.fromCodePoint(cp) },
      { re: `^\\P{${n}}$`, s: String.fromCodePoint(cp) },
      { re: `^[\\p{${n}}x]$`, s: String.fromCodePoint(cp) },
    ]),
  );
  writeFileSync(join(dir, 'data.json'), JSON.stringify({ cases }));
  const query = '{sprintf("%s %x", [c.re, c.s]): regex.match(c.re, c.s) | some c in data.cases}';
  const args = ['eval', '-d', join(dir, 'data.json'), '-f', 'values', query];
  const o = runOpa(args);
  const s = await semamesh(args);
  assert.equal(o.status, 0, o.stdout + o.stderr);
  assert.equal(s.status, 0, s.stderr);
  const theirs = JSON.parse(o.stdout)[0] as Record<string, boolean>;
  const ours = JSON.parse(s.stdout)[0] as Record<string, boolean>;
  assert.equal(Object.keys(theirs).length, cases.length);
  const keys = [...new Set([...Object.keys(theirs), ...Object.keys(ours)])];
  const differ = keys.filter((k) => theirs[k] !== ours[k]);
  assert.deepEqual(differ, [], `differ: ${differ.join(', ')}`);
});
