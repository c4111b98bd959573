// The controller process as a cluster runs it: every line it writes is one pino JSON object
// (level as a word, component, message), and a clean SIGTERM exits 0 without a warning.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { type KubeApiServer, startKubeApiServer } from '../kube-api-server/index.js';

const root = new URL('../../', import.meta.url).pathname;
let api: KubeApiServer;

before(async () => {
  api = await startKubeApiServer({ crds: true, namespaces: ['semamesh-system'] });
});
after(async () => {
  await api?.close();
});

test('a clean SIGTERM logs no warning and exits 0; every line is structured', async () => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'controller/main.ts',
      '--kubeconfig',
      api.kubeconfigPath,
      '--no-leader-elect',
      '--no-gitops',
      ...[
        '--bundle-host',
        '127.0.0.1',
        '--bundle-port',
        '0',
        '--metrics-host',
        '127.0.0.1',
        '--metrics-port',
        '0',
      ],
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  child.stderr.on('data', (c) => {
    out += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (let i = 0; !/"msg":"policy set compiled"/.test(out); i++) {
    assert.ok(i < 600, `the controller did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  assert.equal(await exited, 0, out);
  const lines = out.trim().split('\n');
  for (const line of lines) {
    const record = JSON.parse(line) as { level: string; component: string; msg: string; time: string };
    assert.equal(record.component, 'semamesh-controller', line);
    assert.ok(!Number.isNaN(Date.parse(record.time)), line);
    assert.equal(record.level, 'info', `not a quiet shutdown: ${line}`);
  }
  assert.ok(lines.some((l) => l.includes('"msg":"controller started"')));
});
