// Tests `semamesh parse`: JSON and pretty output, locations, diagnostics and exit codes.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type ParseOptions, runParse } from './parse.js';

async function run(
  source: string,
  opts: ParseOptions,
): Promise<{ code: number; out: string; err: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'sm-parse-'));
  const file = join(dir, 'p.rego');
  await writeFile(file, source);
  let out = '';
  const err: string[] = [];
  const code = await runParse(file, opts, {
    out: (t) => (out += t),
    err: (l) => err.push(l.replace(file, 'p.rego')),
  });
  return { code, out, err };
}

describe('semamesh parse', () => {
  it('prints the AST as JSON without locations by default', async () => {
    const r = await run('package a\n\np if input.x\n', { format: 'json' });
    assert.equal(r.code, 0);
    const ast = JSON.parse(r.out);
    assert.equal(ast.rules[0].head.name, 'p');
    assert.ok(!r.out.includes('"loc"'));
  });

  it('keeps locations with --locations', async () => {
    const r = await run('package a\n\np if input.x\n', { format: 'json', locations: true });
    assert.equal(JSON.parse(r.out).rules[0].loc.row, 3);
  });

  it('prints canonical Rego with --format pretty', async () => {
    const r = await run('package a\np if { input.x; input.y }', { format: 'pretty' });
    assert.equal(r.out, 'package a\n\np if {\n\tinput.x\n\tinput.y\n}\n');
  });

  it('prints diagnostics and exits 1', async () => {
    const r = await run('package a\np { true }\n', { format: 'json' });
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.deepEqual(r.err, ['p.rego:2:1: rego_parse_error: `if` keyword is required before rule body']);
  });

  it('exits 1 on an unreadable file', async () => {
    let err = '';
    const code = await runParse(
      '/nonexistent/x.rego',
      { format: 'json' },
      { out: () => {}, err: (l) => (err = l) },
    );
    assert.equal(code, 1);
    assert.match(err, /cannot read: ENOENT/);
  });
});
