// Shared set-up of the privileged end-to-end tests (root, real eBPF, real cgroups): the real
// `semamesh exec` as a child process, curl's chat-request flags, an HTTPS "provider" in front of the
// mock LLM, pods of the kube API test server backed by real cgroups in a fake kubepods tree, and
// bpftool's view of a cgroup. Why a test cannot run at all is bpf/src/test-env.ts's privilegedSkip.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { cgroup2Mount } from '../../bpf/src/index.js';
import type { K8sClient, KubeObject } from '../../kube/index.js';
import { LeafMinter, type MeshCa } from '../../waypoint/tls/index.js';

export const REPO_ROOT = new URL('../..', import.meta.url).pathname;

/** A `semamesh exec` child process, its output as it arrives. */
export interface ExecRun {
  child: ChildProcess;
  /** `<cgroup2>/semamesh-exec-<pid>`: the cgroups this run creates. */
  cgroupRoot: string;
  stdout(): string;
  stderr(): string;
  done: Promise<number | null>;
  /** Resolves once stdout contains `text`. */
  waitFor(text: string): Promise<void>;
}

/** `semamesh exec <args> -- <command>` through the CLI entry, from the repository root. */
export function spawnSemameshExec(
  args: readonly string[],
  command: readonly string[],
  stdin: 'pipe' | 'ignore' = 'ignore',
): ExecRun {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'cli/semamesh.ts', 'exec', ...args, '--', ...command],
    {
      cwd: REPO_ROOT,
      stdio: [stdin, 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    out += d;
    for (const w of waiters.splice(0))
      if (out.includes(w.text)) w.resolve();
      else waiters.push(w);
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d;
  });
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    cgroupRoot: join(cgroup2Mount() ?? '', `semamesh-exec-${child.pid}`),
    stdout: () => out,
    stderr: () => err,
    done,
    waitFor: (text) =>
      out.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ text, resolve });
            void done.then(() => reject(new Error(`exited before printing ${text}; stderr: ${err}`)));
          }),
  };
}

/** `semamesh exec` run to its end: exit code and output. */
export async function semameshExec(
  args: readonly string[],
  command: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = spawnSemameshExec(args, command);
  const code = await run.done;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** The state `semamesh exec` keeps, in the test's directory: `--ca-dir <work>/<ca> --incident-store …`. */
export const execStateFlags = (work: string, ca = 'ca'): string[] => [
  '--ca-dir',
  join(work, ca),
  '--incident-store',
  join(work, 'incidents.json'),
];

/** A chat completion request body for gpt-4o with one user message. */
export const chatJson = (content: string): string =>
  JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }] });

/** curl flags: print the HTTP status on a last line of its own; send JSON with a bearer key. */
export const CURL_STATUS_JSON = [
  '-w',
  '\n%{http_code}\n',
  '-H',
  'content-type: application/json',
  '-H',
  'Authorization: Bearer sk-test',
];

/** Splits curl's stdout printed with CURL_STATUS_JSON into the body and the status line. */
export function bodyAndStatus(stdout: string): { body: string; status: string } {
  const lines = stdout.trim().split('\n');
  return { body: lines.slice(0, -1).join('\n'), status: lines.at(-1) ?? '' };
}

/**
 * The "real provider" for transparent TLS: an HTTPS server whose certificate for any SNI comes from
 * `ca` (a CA only the waypoint is told to trust), piping each connection to `port` on 127.0.0.1.
 */
export function tlsFront(ca: MeshCa, port: number): Server {
  return createServer({ SNICallback: new LeafMinter(ca).sniCallback() }, (tls) => {
    const plain = connect(port, '127.0.0.1');
    tls.pipe(plain).pipe(tls);
    const drop = () => {
      tls.destroy();
      plain.destroy();
    };
    for (const s of [tls, plain]) s.on('error', drop);
  });
}

/** BPF programs attached to a cgroup, as bpftool lists them. */
export function cgroupPrograms(cgroup: string): { id: number; name?: string }[] {
  return JSON.parse(execFileSync('bpftool', ['-j', 'cgroup', 'show', cgroup]).toString().trim() || '[]');
}

/** A fresh cgroup directory `<cgroup2>/<name>`: the root of a fake node's kubepods tree. */
export function nodeCgroupRoot(name: string): string {
  const v2 = cgroup2Mount();
  if (!v2) throw new Error('no cgroup2 mount');
  const root = join(v2, name);
  mkdirSync(root);
  return root;
}

export const podRef = (namespace: string, name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  namespace,
  name,
});

/**
 * A Running pod on node n1 with one container whose cgroup (cgroupfs layout under `root`) is real;
 * in semamesh-system the container is the node pod's "waypoint".
 */
export async function runningPod(
  client: K8sClient,
  root: string,
  pod: { namespace: string; name: string; labels: Record<string, string>; container: string },
): Promise<{ uid: string; podCgroup: string; cgroup: string }> {
  const { namespace, name, labels, container } = pod;
  const p = await client.create<KubeObject>({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { nodeName: 'n1', containers: [{ name: 'main', image: 'x' }] },
  });
  const uid = p.metadata.uid as string;
  const podCgroup = join(root, 'kubepods', 'besteffort', `pod${uid}`);
  const cgroup = join(podCgroup, container);
  mkdirSync(cgroup, { recursive: true });
  await client.patchStatus(podRef(namespace, name), {
    phase: 'Running',
    qosClass: 'BestEffort',
    containerStatuses: [
      {
        name: namespace === 'semamesh-system' ? 'waypoint' : 'main',
        containerID: `containerd://${container}`,
        state: { running: {} },
      },
    ],
  });
  return { uid, podCgroup, cgroup };
}
