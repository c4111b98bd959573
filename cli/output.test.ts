// Tests kubectl's output convention on the non-OPA commands: yaml/json/wide/name work, an unknown
// format is an error with exit status 1 (it used to print text silently).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { IncidentStore } from '../controller/index.js';
import { createProgram } from './program.js';

async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const writeOut = process.stdout.write;
  const log = console.log;
  process.stdout.write = ((c: string | Uint8Array) => {
    out += String(c);
    return true;
  }) as typeof process.stdout.write;
  console.log = (...a: unknown[]) => {
    out += `${a.join(' ')}\n`;
  };
  const program = createProgram().exitOverride();
  program.configureOutput({ writeErr: (s) => (err += s), writeOut: (s) => (out += s) });
  for (const c of program.commands) c.exitOverride().configureOutput({ writeErr: (s) => (err += s) });
  let code = 0;
  process.exitCode = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    code = (e as { exitCode?: number }).exitCode ?? 1;
  } finally {
    process.stdout.write = writeOut;
    console.log = log;
    process.exitCode = 0;
  }
  return { out, err, code };
}

test('version -o yaml and -o json are documents', async () => {
  const y = await run(['version', '-o', 'yaml']);
  assert.equal(y.code, 0);
  assert.match((parse(y.out) as { semamesh: string }).semamesh, /^\d+\.\d+\.\d+/);
  const j = await run(['version', '-o', 'json']);
  assert.equal((JSON.parse(j.out) as { node: string }).node, process.versions.node);
});

test('an unknown -o is an error, not text', async () => {
  for (const cmd of [['version'], ['doctor'], ['incidents'], ['validate', 'examples']]) {
    const r = await run([...cmd, '-o', 'xml']);
    assert.equal(r.code, 1, cmd.join(' '));
    assert.match(r.err, /argument 'xml' is invalid/, cmd.join(' '));
  }
});

test('doctor -o yaml prints the report as YAML', async () => {
  const r = await run(['doctor', '-o', 'yaml']);
  const report = parse(r.out) as { checks: unknown[]; ready: boolean };
  assert.ok(Array.isArray(report.checks) && report.checks.length > 0);
  assert.equal(typeof report.ready, 'boolean');
});

test('incidents -o wide adds columns, -o name prints names', async () => {
  const store = join(mkdtempSync(join(tmpdir(), 'semamesh-out-')), 'incidents.json');
  const i = await new IncidentStore(store).create({
    agent: { cgroup: '/x', command: 'agent' },
    policy: 'default/guard',
    rule: 'no-deletes',
    reason: 'delete:namespace matched',
    action: 'PAUSE',
  });
  const wide = await run(['incidents', '--store', store, '-o', 'wide']);
  assert.equal(wide.code, 0, wide.err);
  assert.match(wide.out, /REASON\s+DECIDED-BY/);
  assert.match(wide.out, /delete:namespace matched/);
  const name = await run(['incidents', '--store', store, '-o', 'name']);
  assert.equal(name.out, `incident/${i.id}\n`);
});
