// The examples in `semamesh build|eval --help` run against the shipped library (policies/): an
// entrypoint or query named in help must exist, not just look plausible.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createProgram } from '../../cli/program.js';
import { semamesh } from './cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const POLICIES = join(ROOT, 'policies');
const dir = mkdtempSync(join(tmpdir(), 'sm-help-examples-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function help(name: string): string {
  const cmd = createProgram().commands.find((c) => c.name() === name);
  assert.ok(cmd, `no command ${name}`);
  return cmd.helpInformation().replace(/\s+/g, ' ');
}

test('build --help: the example entrypoint builds from policies/', async () => {
  const examples = [...help('build').matchAll(/e\.g\. ([\w]+\/[\w/]+)/g)].map((m) => m[1]);
  assert.ok(examples.length > 0, 'build --help names no example entrypoint');
  for (const ep of examples) {
    const r = await semamesh(['build', POLICIES, '-e', ep, '-o', join(dir, 'b.tar.gz')]);
    assert.equal(r.status, 0, `${ep}: ${r.stderr}`);
  }
});

test('eval --help: the example queries compile against policies/, and data refs are defined', async () => {
  const text = help('eval');
  const args = text.slice(text.indexOf('Arguments:'), text.indexOf('Options:'));
  const examples = [...args.matchAll(/e\.g\. "([^"]+)"(?: or "([^"]+)")?/g)].flatMap((m) =>
    m.slice(1).filter((q): q is string => q !== undefined),
  );
  assert.ok(examples.length > 0, 'eval --help names no example query');
  for (const q of examples) {
    const r = await semamesh(['eval', '-d', POLICIES, '-f', 'values', q]);
    assert.equal(r.status, 0, `${q}: ${r.stderr}`);
    if (/^data\.[\w.]+$/.test(q)) assert.notEqual(r.stdout.trim(), '[]', `${q} is undefined`);
  }
});
