// `semamesh exec` end to end as a user runs it (the real CLI in a subprocess, root, real eBPF hooks
// and cgroups): unmodified clients inside are governed, clients outside are untouched, a PAUSE
// freezes the command until `semamesh approve`, and nothing is left behind afterwards.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { privilegedSkip } from '../../bpf/src/test-env.js';
import { createMockLlm } from '../mock-llm/index.js';
import {
  CURL_STATUS_JSON,
  cgroupPrograms,
  chatJson,
  type ExecRun,
  execStateFlags,
  REPO_ROOT as root,
  spawnSemameshExec,
} from './privileged-harness.js';

const skip = privilegedSkip('semamesh exec tests', ['curl', 'bpftool', 'unshare']);

const work = mkdtempSync(join(tmpdir(), 'sm-exec-'));
const runs: ExecRun[] = [];
after(async () => {
  // A failed test may leave a run frozen: thaw it, then two SIGTERMs make exec kill its agent and clean up.
  for (const run of runs.filter((r) => r.child.exitCode === null)) {
    try {
      writeFileSync(join(run.cgroupRoot, 'agent', 'cgroup.freeze'), '0');
    } catch {}
    run.child.kill('SIGTERM');
    run.child.kill('SIGTERM');
    await Promise.race([run.done, new Promise((r) => setTimeout(r, 5000))]);
  }
  rmSync(work, { recursive: true, force: true });
});

function semameshExec(args: string[], command: string[]): ExecRun {
  const run = spawnSemameshExec(
    [...execStateFlags(work), '--audit-file', join(work, 'audit.jsonl'), ...args],
    command,
    'pipe',
  );
  runs.push(run);
  return run;
}

const curlChat = (content: string, url = 'http://127.0.0.2/v1/chat/completions') => [
  'curl',
  '-s',
  ...CURL_STATUS_JSON,
  url,
  '-d',
  chatJson(content),
];

/** BPF program ids attached to a cgroup (bpftool's view of the kernel). */
const attachedPrograms = (cgroup: string): number[] => cgroupPrograms(cgroup).map((p) => p.id);

function liveProgramIds(): Set<number> {
  const list = JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' })) as {
    id: number;
  }[];
  return new Set(list.map((p) => p.id));
}

function programMaps(id: number): number[] {
  const info = JSON.parse(
    execFileSync('bpftool', ['prog', 'show', 'id', String(id), '-j'], { encoding: 'utf8' }),
  );
  return (info.map_ids as number[] | undefined) ?? [];
}

function liveMapIds(): Set<number> {
  const list = JSON.parse(execFileSync('bpftool', ['map', 'show', '-j'], { encoding: 'utf8' })) as {
    id: number;
  }[];
  return new Set(list.map((m) => m.id));
}

function auditRecords(): { agent: Record<string, unknown>; decision: { action: string } }[] {
  const file = join(work, 'audit.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('semamesh exec on the real kernel', { skip }, () => {
  test('curl inside gets the mock LLM reply through the waypoint, identified by its cgroup', async () => {
    const run = semameshExec(['--mock', '--target', '127.0.0.2:80'], curlChat('hello'));
    assert.equal(await run.done, 0, run.stderr());
    const [body, status] = run.stdout().trim().split('\n');
    assert.equal(status, '200');
    assert.equal(JSON.parse(body).choices[0].message.content, 'Mock reply to: hello');
    const record = auditRecords().find((r) => r.agent.cgroup === `/semamesh-exec-${run.child.pid}/agent`);
    assert.ok(record, 'the waypoint audited the request with the exec cgroup as identity');
    assert.equal(record.agent.namespace, 'local');
    assert.equal(record.agent.pod, 'curl');
    assert.equal(record.decision.action, 'ALLOW');
  });

  test('a destructive prompt from inside is refused 403 naming the sample policy rule', async () => {
    const run = semameshExec(
      ['--mock', '--target', '127.0.0.2:80', '--policies', 'examples/sample-policy.yaml'],
      curlChat('I want to delete the production database'),
    );
    assert.equal(await run.done, 0, run.stderr());
    const [body, status] = run.stdout().trim().split('\n');
    assert.equal(status, '403');
    const error = JSON.parse(body).error;
    assert.equal(error.rule, 'default/prevent-unauthorized-deletion');
    assert.equal(error.semamesh_code, 'SM_ERR_WAYPOINT_POLICY_BLOCK');
  });

  test('without an override the request goes where it was dialled, and the waypoint is not redirected to itself', async () => {
    // The "provider" listens on the intercepted address itself: the waypoint's own connection to
    // it would loop back into the waypoint if its cgroup or pid were not exempt.
    const mock = await createMockLlm({ host: '127.0.0.2', tokenizer: 'approx' });
    try {
      const url = `http://127.0.0.2:${mock.port}/v1/chat/completions`;
      const run = semameshExec(
        ['--target', `127.0.0.2:${mock.port}`, '--no-default-hosts'],
        curlChat('direct', url),
      );
      assert.equal(await run.done, 0, run.stderr());
      const [body, status] = run.stdout().trim().split('\n');
      assert.equal(status, '200');
      assert.equal(JSON.parse(body).choices[0].message.content, 'Mock reply to: direct');
      assert.equal(mock.requests.length, 1);
      assert.ok(
        auditRecords().some((r) => r.agent.cgroup === `/semamesh-exec-${run.child.pid}/agent`),
        'the request went through the waypoint',
      );
    } finally {
      await mock.close();
    }
  });

  test('the exit code of the command is forwarded', async () => {
    const run = semameshExec(['--mock', '--no-default-hosts'], ['sh', '-c', 'exit 42']);
    assert.equal(await run.done, 42);
  });

  test('the openai SDK with baseURL https://api.openai.com/v1 is governed through the mesh CA', async () => {
    // The client resolves api.openai.com itself: a private mount namespace gives it an /etc/hosts
    // mapping the name to the target address, exactly as a DNS answer would.
    const hosts = join(work, 'hosts');
    writeFileSync(hosts, '127.0.0.1 localhost\n127.0.0.2 api.openai.com\n');
    const script = join(root, 'node_modules', '.sm-exec-openai-client.mjs');
    writeFileSync(
      script,
      [
        "import OpenAI from 'openai';",
        "const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'https://api.openai.com/v1', maxRetries: 0 });",
        "const r = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello from the sdk' }] });",
        'console.log(r.choices[0].message.content);',
      ].join('\n'),
    );
    try {
      const run = semameshExec(
        ['--mock', '--resolve', 'api.openai.com=127.0.0.2'],
        ['unshare', '--mount', '--', 'sh', '-c', `mount --bind ${hosts} /etc/hosts && exec node ${script}`],
      );
      assert.equal(await run.done, 0, run.stderr());
      assert.equal(run.stdout().trim(), 'Mock reply to: hello from the sdk');
    } finally {
      rmSync(script, { force: true });
    }
  });

  test('outside the cgroup nothing is redirected; after exit no program, link, pin or cgroup is left', async () => {
    const run = semameshExec(['--mock', '--target', '127.0.0.2:80'], ['sh', '-c', 'echo ready; read line']);
    await run.waitFor('ready');
    const agent = join(run.cgroupRoot, 'agent');
    const progs = [...attachedPrograms(agent), ...attachedPrograms(join(run.cgroupRoot, 'waypoint'))];
    assert.equal(progs.length, 4, 'connect4, connect6, sockops on the agent; getsockopt on the waypoint');
    const maps = progs.flatMap((id) => programMaps(id));
    assert.ok(maps.length > 0);
    // Nothing listens on 127.0.0.2:80: outside the cgroup the connection is refused (curl exit 7)...
    const outside = spawn('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      'http://127.0.0.2/v1/models',
    ]);
    const outsideCode = await new Promise((r) => outside.on('close', r));
    assert.equal(outsideCode, 7);
    // ...while the same call from a process that joins the agent cgroup reaches the waypoint.
    const inside = execFileSync(
      'sh',
      [
        '-c',
        'echo $$ > "$0/cgroup.procs" && exec curl -s -o /dev/null -w "%{http_code}" -H "Authorization: Bearer k" http://127.0.0.2/v1/models',
        agent,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(inside, '200');
    run.child.stdin?.end('done\n');
    assert.equal(await run.done, 0, run.stderr());
    const live = liveProgramIds();
    assert.deepEqual(
      progs.filter((id) => live.has(id)),
      [],
    );
    assert.equal(existsSync(run.cgroupRoot), false);
    // A pin (of a link or a map) would keep these alive: none is left, whatever other suites pin.
    const liveMaps = liveMapIds();
    assert.deepEqual(
      maps.filter((id) => liveMaps.has(id)),
      [],
    );
  });

  test('SIGTERM to semamesh exec stops the command, forwards its status and cleans up', async () => {
    const run = semameshExec(['--mock', '--no-default-hosts'], ['sh', '-c', 'echo ready; exec sleep 30']);
    await run.waitFor('ready');
    assert.equal(existsSync(join(run.cgroupRoot, 'agent')), true);
    run.child.kill('SIGTERM');
    assert.equal(await run.done, 143, run.stderr());
    assert.equal(existsSync(run.cgroupRoot), false);
  });

  test('SIGKILL to semamesh exec kills the command too: no agent outlives its waypoint', async () => {
    const run = semameshExec(['--mock', '--no-default-hosts'], ['sh', '-c', 'echo ready; exec sleep 60']);
    await run.waitFor('ready');
    const agentProcs = join(run.cgroupRoot, 'agent', 'cgroup.procs');
    const [agent] = readFileSync(agentProcs, 'utf8').split('\n').filter(Boolean).map(Number);
    assert.ok(agent, 'the command runs in the agent cgroup');
    run.child.kill('SIGKILL');
    await run.done;
    // Parent-death signal: the agent must not outlive the waypoint that governed it.
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      await new Promise((r) => setTimeout(r, 30));
      try {
        process.kill(agent!, 0);
      } catch {
        alive = false;
      }
    }
    assert.equal(alive, false, 'the agent died with semamesh exec');
    // A SIGKILLed run cannot remove its (now empty) cgroups; the test does.
    for (const cg of ['agent', 'waypoint', '.'])
      try {
        rmdirSync(join(run.cgroupRoot, cg));
      } catch {}
  });

  test('a PAUSE decision freezes the command (cgroup.events frozen 1) until `semamesh approve`', {
    timeout: 120_000,
  }, async () => {
    const policy = join(work, 'pause-policy.yaml');
    writeFileSync(
      policy,
      [
        'apiVersion: semamesh.io/v1alpha1',
        'kind: SemaPolicy',
        'metadata: { name: pause-destructive, namespace: local }',
        'spec:',
        '  rules:',
        '    - name: pause-on-delete',
        '      intentMatches: [drop database]',
        '      riskLevel: Critical',
        '      action: PAUSE',
        '      message: a human must look at this',
      ].join('\n'),
    );
    const command = [
      'sh',
      '-c',
      `${curlChat('please drop the database').map(shq).join(' ')}; read line; echo resumed`,
    ];
    const run = semameshExec(['--mock', '--target', '127.0.0.2:80', '--policies', policy], command);
    const agent = join(run.cgroupRoot, 'agent');
    const store = join(work, 'incidents.json');
    const incident = await poll(async () => {
      const doc = existsSync(store) ? JSON.parse(readFileSync(store, 'utf8')) : { incidents: [] };
      return (doc.incidents as { id: string; phase: string; agent: { cgroup: string } }[]).find(
        (i) => i.agent.cgroup === agent && i.phase === 'Paused',
      );
    });
    assert.match(readFileSync(join(agent, 'cgroup.events'), 'utf8'), /^frozen 1$/m);
    await poll(async () => run.stderr().includes(`semamesh approve ${incident.id}`));
    // The line is queued while frozen; only the thaw lets the shell read it.
    run.child.stdin?.write('go\n');
    let approve: string;
    try {
      approve = execFileSync(
        process.execPath,
        ['--import', 'tsx', 'cli/semamesh.ts', 'approve', incident.id, '--store', store],
        { cwd: root, encoding: 'utf8' },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\nsemamesh exec said:\n${run.stderr()}`);
    }
    assert.match(approve, /approved/);
    assert.equal(await run.done, 0, run.stderr());
    // The refusal reached curl only after the thaw: it was frozen before it could act on it.
    assert.match(
      run.stdout(),
      /"rule":"local\/pause-destructive\/pause-on-delete"[\s\S]*\n403\n[\s\S]*resumed/,
    );
  });
});

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

async function poll<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
