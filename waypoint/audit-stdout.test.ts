// Audit lines gathered for one write to stdout must all arrive: soon while the process runs, and
// every one of them when it exits.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import test from 'node:test';

const LOGGING = new URL('./logging.ts', import.meta.url).href;

/** Runs `body` in a child (tsx) with `out = auditStdout()` in scope; resolves with its stdout once `until` holds. */
function child(body: string, until: (stdout: string) => boolean): Promise<string> {
  const script = `import { auditStdout } from ${JSON.stringify(LOGGING)}; const out = auditStdout(); ${body}`;
  const c = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  // A line held back forever must fail the test, not hang it: SIGKILL skips any exit-time flush.
  const deadline = setTimeout(() => c.kill('SIGKILL'), 15_000);
  c.on('exit', () => clearTimeout(deadline));
  return new Promise((resolve, reject) => {
    c.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (until(stdout)) {
        c.kill();
        resolve(stdout);
      }
    });
    c.on('exit', () => resolve(stdout));
    c.on('error', reject);
  });
}

const lines = (s: string) => s.split('\n').filter(Boolean);

test('a lone audit line reaches stdout while the process keeps running', async () => {
  const out = await child(`out.write('{"id":"only"}\\n'); setInterval(() => {}, 1000);`, (s) =>
    s.includes('\n'),
  );
  assert.deepEqual(lines(out), ['{"id":"only"}']);
});

test('every gathered audit line is written when the process exits', async () => {
  const out = await child(
    `for (let i = 0; i < 5000; i++) out.write(JSON.stringify({ id: i }) + '\\n'); process.exit(0);`,
    () => false,
  );
  const got = lines(out).map((l) => JSON.parse(l).id);
  assert.equal(got.length, 5000);
  assert.deepEqual(got, [...Array(5000).keys()]);
});
