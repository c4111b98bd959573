// Tests the completion scripts in the real shells: bash completes commands, subcommands and flags
// from the live command tree; zsh and fish scripts at least load where those shells are installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProgram } from '../program.js';
import { completionScript } from './completion.js';

const dir = mkdtempSync(join(tmpdir(), 'semamesh-completion-'));

function complete(words: string[]): string[] {
  const file = join(dir, 'c.bash');
  writeFileSync(file, completionScript(createProgram(), 'bash'));
  const script = `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _semamesh_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

test('bash completes commands, subcommands and flags', () => {
  assert.deepEqual(complete(['semamesh', 'vers']), ['version']);
  assert.ok(complete(['semamesh', '']).includes('completion'));
  assert.deepEqual(complete(['semamesh', 'quota', 'st']), ['status']);
  assert.ok(complete(['semamesh', 'up', '--con']).includes('--console-port'));
  assert.deepEqual(complete(['semamesh', 'version', '--o']), ['--output']);
});

test('an unknown shell is an error', () => {
  assert.throws(() => completionScript(createProgram(), 'powershell'), /use bash, zsh or fish/);
});

for (const shell of ['zsh', 'fish'] as const) {
  const bin = `/usr/bin/${shell}`;
  test(`the ${shell} script loads`, { skip: !existsSync(bin) && `${bin} not installed` }, () => {
    const file = join(dir, `c.${shell}`);
    writeFileSync(file, completionScript(createProgram(), shell));
    const r = spawnSync(bin, ['-c', `source ${file}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
}
