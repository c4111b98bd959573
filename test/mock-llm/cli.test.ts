// Runs `semamesh mock-llm` as a child process: it prints its URL, serves, and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;

function runCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/semamesh.ts', 'mock-llm', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) resolve(m[1]);
    });
    exited.then(() => reject(new Error(`exited before listening: ${stderr}`)), reject);
  });
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}

test('semamesh mock-llm serves until SIGTERM and prints its URL', async () => {
  const run = runCli(['--port', '0', '--tokenizer', 'approx', '--api-keys', 'k1,k2']);
  const url = await run.url;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const ok = await fetch(`${url}/v1/models`, { headers: { authorization: 'Bearer k2' } });
  assert.equal(ok.status, 200);
  const denied = await fetch(`${url}/v1/models`, { headers: { authorization: 'Bearer nope' } });
  assert.equal(denied.status, 401);
  run.child.kill('SIGTERM');
  const [code] = await run.exited;
  assert.equal(code, 0);
  assert.match(run.output().stdout, /mock LLM stopped/);
});

test('semamesh mock-llm refuses a bad port with a clear message', async () => {
  const run = runCli(['--port', 'eighty']);
  const [code] = await run.exited;
  assert.notEqual(code, 0);
  assert.match(run.output().stderr, /port number/);
  await assert.rejects(run.url);
});
