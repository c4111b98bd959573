// Tests `semamesh validate`: in-process through createProgram and runValidate, on the examples and failing fixtures.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createProgram } from '../program.js';
import { runValidate, type ValidateSummary } from './validate.js';

const root = new URL('../..', import.meta.url).pathname;
const examples = join(root, 'examples');
const fixtures = join(root, 'api/fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'semamesh-validate-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function run(paths: string[], output: 'text' | 'json' = 'text', verbose = false) {
  const lines: string[] = [];
  const code = await runValidate(paths, { output, verbose }, { out: (l) => lines.push(l) });
  return { code, lines };
}

test('examples/ validates: exit 0 and a summary line', async () => {
  const { code, lines } = await run([examples]);
  assert.equal(code, 0, lines.join('\n'));
  assert.match(
    lines.at(-1) ?? '',
    /^\d+ files?, \d+ documents? \(\d+ SemaMesh, \d+ ignored\): 0 errors, \d+ warnings?$/,
  );
});

test('each problem is printed as file:line:col: CODE: message, and the exit code is 1', async () => {
  const { code, lines } = await run([
    join(fixtures, 'unknown-action.yaml'),
    join(fixtures, 'wrong-type.yaml'),
  ]);
  assert.equal(code, 1);
  assert.deepEqual(lines, [
    `${fixtures}/unknown-action.yaml:13:15: SM_ERR_API_SCHEMA: spec.rules[0].action: string "DENY" is not one of ALLOW, AUDIT, REDACT, BLOCK, PAUSE`,
    `${fixtures}/wrong-type.yaml:7:13: SM_ERR_API_SCHEMA: spec.priority: expected integer, got string "high"`,
    '2 files, 2 documents (2 SemaMesh, 0 ignored): 2 errors, 0 warnings',
  ]);
});

test('directories are walked for .yaml and .yml files only; notes show with --verbose', async () => {
  const dir = join(tmp, 'walk');
  const sub = join(dir, 'nested');
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(dir, 'README.md'), 'kind: SemaPolicy\n');
  writeFileSync(join(sub, 'cm.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
  writeFileSync(
    join(sub, 'broken.yaml'),
    'apiVersion: semamesh.io/v1alpha1\nkind: SemaPolicy\nspec:\n  rules: [a, b\n  x: 1\n',
  );
  const quiet = await run([dir]);
  assert.equal(quiet.code, 1);
  assert.equal(quiet.lines.filter((l) => l.includes('SM_NOTE_')).length, 0);
  assert.match(quiet.lines[0], new RegExp(`^${sub}/broken\\.yaml:5:3: SM_ERR_API_YAML_SYNTAX: `));
  assert.match(
    quiet.lines.at(-1) ?? '',
    /^2 files, 2 documents \(0 SemaMesh, 1 ignored\): \d+ errors?, 0 warnings$/,
  );
  const loud = await run([dir], 'text', true);
  assert.ok(
    loud.lines.includes(
      `${sub}/cm.yml:1:1: note: SM_NOTE_API_IGNORED: ConfigMap (v1) is not a SemaMesh resource: ignored`,
    ),
  );
});

test('--output json carries totals and every diagnostic', async () => {
  const { code, lines } = await run([join(fixtures, 'unknown-field.yaml')], 'json');
  assert.equal(code, 1);
  const summary = JSON.parse(lines.join('\n')) as ValidateSummary;
  assert.equal(summary.errors, 2);
  assert.equal(summary.files, 1);
  assert.deepEqual(
    summary.diagnostics.map((d) => [d.line, d.col, d.code, d.path]),
    [
      [8, 7, 'SM_ERR_API_SCHEMA', 'spec.rules[0]'],
      [11, 7, 'SM_ERR_API_UNKNOWN_FIELD', 'spec.rules[0].acton'],
    ],
  );
});

test('a path that does not exist is an error, not a crash', async () => {
  const { code, lines } = await run([join(tmp, 'missing.yaml')]);
  assert.equal(code, 1);
  assert.equal(lines[0], `${join(tmp, 'missing.yaml')}: SM_ERR_API_FILE_READ: cannot read: ENOENT`);
});

test('registered on the program: `semamesh validate` sets the exit code', async () => {
  const printed: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => printed.push(args.join(' '));
  try {
    await createProgram()
      .exitOverride()
      .parseAsync(['node', 'semamesh', 'validate', join(fixtures, 'wrong-type.yaml')]);
    assert.equal(process.exitCode, 1);
    process.exitCode = 0;
    await createProgram().exitOverride().parseAsync(['node', 'semamesh', 'validate', '-o', 'json', examples]);
    assert.equal(process.exitCode, 0);
  } finally {
    console.log = log;
    process.exitCode = 0;
  }
  assert.match(printed[0], /wrong-type\.yaml:7:13: SM_ERR_API_SCHEMA: /);
  assert.equal((JSON.parse(printed.slice(2).join('\n')) as ValidateSummary).errors, 0);
});
