// Runs the parser over every module of the OPA conformance suite (parse, print, re-parse) and fuzzes it
// with truncated, mutated and random inputs: no input may make it throw or fail internally.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { mulberry32 } from '../../test/random.js';
import { conformanceCasesOrSkip } from '../conformance/suite-dir.js';
import {
  type Diagnostic,
  formatDiagnostic,
  parseModule,
  parseQuery,
  parseTerm,
  printModule,
  stripLocations,
} from './index.js';

const SUITE = conformanceCasesOrSkip();
const ROOT = SUITE.dir ?? '';

interface Source {
  name: string;
  text: string;
}

function conformanceModules(): Source[] {
  const out: Source[] = [];
  const walk = (dir: string): void => {
    for (const n of readdirSync(dir).sort()) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.yaml')) {
        const doc = parseYaml(readFileSync(p, 'utf8')) as { cases?: { note: string; modules?: string[] }[] };
        for (const c of doc.cases ?? []) {
          for (const [i, text] of (c.modules ?? []).entries()) out.push({ name: `${c.note}#${i}`, text });
        }
      }
    }
  };
  walk(ROOT);
  return out;
}

const internal = (ds: Diagnostic[]): Diagnostic[] =>
  ds.filter((d) => d.message.startsWith('internal parser error') || d.location === undefined);

/** Parses `text` every way there is; fails on a throw or an internal error. */
function parseAllWays(text: string, label: string): void {
  for (const r of [parseModule(text, 'f.rego'), parseQuery(text), parseTerm(text)]) {
    assert.deepEqual(internal(r.diagnostics), [], `${label}: ${JSON.stringify(text)}`);
    assert.ok(r.diagnostics.length <= 10);
  }
}

const PIECES = [
  'package p',
  'import data.x',
  'if',
  'contains',
  'else',
  'default',
  'some',
  'every',
  'in',
  'not',
  'with',
  'as',
  ':=',
  '=',
  '==',
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  ',',
  ';',
  '|',
  '&',
  '+',
  '-',
  '*',
  '/',
  '%',
  '.',
  ':',
  '"s"',
  '`r`',
  '"\\u12"',
  '1',
  '01',
  '1e',
  '-',
  'x',
  '_',
  'input',
  'data',
  'set()',
  '\n',
  ' ',
  '#c\n',
  '# METADATA\n# a: [\n',
  '😀',
  '\t',
  '"',
  '`',
  '\\',
  '!',
];

describe('conformance modules', () => {
  const modules = existsSync(ROOT) ? conformanceModules() : [];

  it('parse without errors and round-trip through the printer', { skip: SUITE.skip }, (t) => {
    assert.ok(modules.length > 1000, 'the conformance suite is available');
    const failed: string[] = [];
    let roundTripped = 0;
    for (const m of modules) {
      const r = parseModule(m.text, m.name);
      if (!r.module) {
        failed.push(`${m.name}: ${r.diagnostics.map(formatDiagnostic).join('; ')}`);
        continue;
      }
      const again = parseModule(printModule(r.module), m.name);
      assert.deepEqual(again.diagnostics.map(formatDiagnostic), [], m.name);
      assert.deepEqual(stripLocations(again.module), stripLocations(r.module), m.name);
      roundTripped++;
    }
    t.diagnostic(
      `${modules.length - failed.length}/${modules.length} modules parse; ${roundTripped} round-trip`,
    );
    assert.deepEqual(failed, []);
  });

  it('never throw on truncated or mutated modules', () => {
    const rand = mulberry32(1);
    for (const m of modules) {
      const n = m.text.length;
      for (let k = 0; k < 2; k++) parseAllWays(m.text.slice(0, Math.floor(rand() * n)), m.name);
      const chars = [...m.text];
      for (let k = 0; k < 3; k++) {
        const at = Math.floor(rand() * chars.length);
        const op = rand();
        if (op < 0.4) chars.splice(at, 1);
        else if (op < 0.8) chars.splice(at, 0, PIECES[Math.floor(rand() * PIECES.length)]);
        else [chars[at], chars[0]] = [chars[0], chars[at]];
      }
      parseAllWays(chars.join(''), m.name);
    }
  });
});

describe('fuzz', () => {
  it('never throws on random token soup', () => {
    const rand = mulberry32(42);
    for (let i = 0; i < 3000; i++) {
      const len = 1 + Math.floor(rand() * 40);
      let s = rand() < 0.7 ? 'package p\n' : '';
      for (let j = 0; j < len; j++)
        s += PIECES[Math.floor(rand() * PIECES.length)] + (rand() < 0.5 ? ' ' : '');
      parseAllWays(s, `soup ${i}`);
    }
  });

  it('never throws on random characters', () => {
    const rand = mulberry32(7);
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const len = Math.floor(rand() * 60);
      for (let j = 0; j < len; j++) s += String.fromCharCode(Math.floor(rand() * 0x80) || 0xd83d);
      parseAllWays(s, `chars ${i}`);
    }
  });

  it('turns pathological nesting into a located diagnostic', () => {
    for (const [open, close] of [
      ['[', ']'],
      ['(', ')'],
      ['{', '}'],
      ['f(', ')'],
      ['[x | x := ', ']'],
    ]) {
      const deep = `package p\nx := ${open.repeat(100_000)}1${close.repeat(100_000)}\n`;
      const r = parseModule(deep, 'deep.rego');
      assert.equal(r.module, undefined);
      assert.ok(r.diagnostics.length <= 2, open);
      assert.match(
        formatDiagnostic(r.diagnostics[0]),
        /^deep\.rego:2:\d+: rego_parse_error: max parsing recursion depth exceeded$/,
      );
    }
    const ok = parseModule(`package p\nx := ${'['.repeat(390)}1${']'.repeat(390)}\n`, 'deep.rego');
    assert.deepEqual(ok.diagnostics, []);
  });

  it('re-parses collection heads once (no exponential backtracking)', () => {
    // Each level re-reads its first element as an infix term; without memoisation this never ends.
    const src = `package p\nx := ${'{'.repeat(200)}1${'} + 1'.repeat(200)}\ny := ${'['.repeat(200)}1${'] + [1]'.repeat(200)}\n`;
    const r = parseModule(src, 'nest.rego');
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.module?.rules.length, 2);
  });
});
