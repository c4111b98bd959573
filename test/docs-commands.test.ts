// Docs that fail when followed are bugs: every `semamesh <command>` the README and docs/ mention must
// exist (with the flags they pass, for the quick offline commands, by running them as written from
// the checkout with `npm run semamesh --`'s entry point).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createProgram } from '../cli/program.js';

const root = new URL('../', import.meta.url).pathname;
const DOCS = [
  'README.md',
  'examples/policy-repo/README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Shell lines of fenced code blocks, continuation lines joined. */
function shellLines(text: string): string[] {
  const out: string[] = [];
  for (const block of text.matchAll(/```(?:sh|bash|shell|console)?\n([\s\S]*?)```/g)) {
    const joined = block[1].replace(/\\\n\s*/g, ' ');
    for (const raw of joined.split('\n')) {
      const line = raw
        .replace(/\s+#.*$/, '')
        .replace(/^\$ /, '')
        .trim();
      if (line) out.push(line);
    }
  }
  return out;
}

/** `semamesh …` invocations, whichever way they are written, as argument lists. */
function invocations(line: string): string[][] {
  const m = /(?:^|\s|sudo )(?:npm run semamesh --|semamesh)\s+(.*)$/.exec(line);
  if (!m) return [];
  const args = m[1]
    .split(/\s+--\s+/)[0]
    .split(/\s+/)
    .filter(Boolean);
  return [args];
}

const commands = new Set(createProgram().commands.flatMap((c) => [c.name(), ...c.aliases()]));

test('every semamesh command in the docs exists', () => {
  let seen = 0;
  for (const doc of DOCS)
    for (const line of shellLines(readFileSync(join(root, doc), 'utf8')))
      for (const args of invocations(line)) {
        if (args[0]?.startsWith('-')) continue;
        seen++;
        assert.ok(commands.has(args[0]), `${doc}: \`${line}\` names no command "${args[0]}"`);
      }
  assert.ok(seen >= 5, `only ${seen} invocations found`);
});

/** Offline, quick and side-effect free: these run as written. */
const RUNNABLE = new Set(['validate', 'compile', 'test', 'version', 'completion']);

test('quick offline commands in the docs run as written from a checkout', { timeout: 600_000 }, () => {
  // Commands run in copies, so what they write (bundle.tar.gz) never lands in the repository.
  const scratch = mkdtempSync(join(tmpdir(), 'semamesh-docs-'));
  const checkout = join(scratch, 'checkout');
  for (const dir of ['examples', 'policies'])
    cpSync(join(root, dir), join(checkout, dir), { recursive: true });
  let ran = 0;
  for (const doc of DOCS)
    for (const line of shellLines(readFileSync(join(root, doc), 'utf8')))
      for (const args of invocations(line)) {
        if (!RUNNABLE.has(args[0])) continue;
        const cwd = doc.startsWith('examples/policy-repo/')
          ? join(checkout, 'examples/policy-repo')
          : checkout;
        const r = spawnSync(
          process.execPath,
          ['--import', import.meta.resolve('tsx'), join(root, 'cli/semamesh.ts'), ...args],
          {
            cwd,
            encoding: 'utf8',
            env: { ...process.env, NODE_OPTIONS: '' },
          },
        );
        ran++;
        assert.equal(r.status, 0, `${doc}: \`${line}\` exited ${r.status}\n${r.stdout}${r.stderr}`);
      }
  assert.ok(ran >= 3, `only ${ran} commands ran`);
});
