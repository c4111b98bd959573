// `semamesh exec -- <command>`: runs a command governed end to end on this host — its LLM connections
// redirected by eBPF to an in-process waypoint (HTTPS terminated with the mesh CA), its requests
// decided by the policies given, a PAUSE freezing it with a local incident — and removes everything
// (hooks, cgroups, listeners) when it exits or on Ctrl-C. Each run starts its own waypoint in this
// process, after moving into the run's waypoint cgroup: a waypoint started elsewhere has its
// listeners in a cgroup without the getsockopt hook, so it could not read original destinations.
import type { ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  type WriteStream,
  writeFileSync,
} from 'node:fs';
import { constants as os } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import {
  addonStatus,
  cgroup2Mount,
  cgroupProcs,
  DEFAULT_HOSTS,
  type ExecCgroups,
  type HostTarget,
  type InterceptedProcess,
  originalDestination,
  prepareExecCgroups,
  type Resolver,
  spawnIntercepted,
  systemResolver,
  type Target,
} from '../../bpf/src/index.js';
import { IncidentStore, nodeCgroups, PauseAgent, pauseLocalIncident } from '../../controller/index.js';
import { createMockLlm, type MockLlm } from '../../test/mock-llm/index.js';
import {
  createWaypoint,
  type DecisionEngine,
  type InterceptedConnection,
  loadWasmEngine,
  localIdentity,
  type PauseReport,
  type RouteConfig,
  TransparentMode,
  type Waypoint,
} from '../../waypoint/index.js';
import { defaultCaDir, LeafMinter, MeshCa } from '../../waypoint/tls/index.js';
import { defaultIncidentStore } from './incident-store-path.js';
import { loadServedPolicy, samplePolicyPath } from './policy-cache.js';

type Provider = 'openai' | 'anthropic' | 'generic';
const PROVIDER_HOSTS: Record<Provider, string | undefined> = {
  openai: 'api.openai.com',
  anthropic: 'api.anthropic.com',
  generic: undefined,
};

export interface ExecCliOptions {
  policies?: string[];
  bundle?: string;
  upstream?: Partial<Record<Provider, string>>;
  mock?: boolean;
  hosts?: HostTarget[];
  defaultHosts: boolean;
  target?: Target[];
  resolve?: Map<string, string[]>;
  caDir: string;
  upstreamCa?: string[];
  incidentStore: string;
  auditFile?: string;
  failOpen?: boolean;
  verbose?: boolean;
}

const collect =
  <T>(parse: (v: string) => T) =>
  (v: string, prev: T[] = []) => [...prev, parse(v)];

function parsePortOf(value: string, what: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535)
    throw new InvalidArgumentError(`${what}: expected a port 1..65535`);
  return n;
}

function parseUpstream(value: string, prev: ExecCliOptions['upstream'] = {}): ExecCliOptions['upstream'] {
  const m = /^(openai|anthropic|generic)=(https?:\/\/.+)$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected provider=URL, provider one of openai, anthropic, generic');
  return { ...prev, [m[1]]: m[2] };
}

function parseHosts(value: string, prev: HostTarget[] = []): HostTarget[] {
  const out = [...prev];
  for (const item of value
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z0-9.-]+)(?::(\d+))?$/.exec(item);
    if (!m) throw new InvalidArgumentError(`not a host[:port]: ${item}`);
    out.push({ host: m[1], port: m[2] ? parsePortOf(m[2], item) : 443 });
  }
  return out;
}

function parseTarget(value: string): Target {
  const m = /^(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d+)$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected ip:port (IPv6 as [addr]:port)');
  return { ip: m[1].replace(/^\[|\]$/g, ''), port: parsePortOf(m[2], value) };
}

function parseResolve(value: string, prev = new Map<string, string[]>()): Map<string, string[]> {
  const m = /^([A-Za-z0-9.-]+)=([0-9a-fA-F:.,]+)$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected host=ip[,ip...]');
  return new Map(prev).set(m[1].toLowerCase(), m[2].split(','));
}

/** The policies to enforce: a bundle, the given SemaPolicy files/folders, or (like `up`) the sample policy. */
async function loadEngine(opts: ExecCliOptions): Promise<{ engine: DecisionEngine; note?: string }> {
  if (opts.bundle) return { engine: await loadWasmEngine(readFileSync(opts.bundle)) };
  if (opts.policies?.length) return { engine: (await loadServedPolicy(opts.policies)).engine };
  const sample = samplePolicyPath();
  return {
    engine: (await loadServedPolicy([sample])).engine,
    note: `no --policies/--bundle: enforcing ${sample}`,
  };
}

const CA_VARIABLES = [
  'SSL_CERT_FILE',
  'NODE_EXTRA_CA_CERTS',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
] as const;

/** The running pieces, so cleanup can undo exactly what was started, in reverse. */
interface Running {
  mock?: MockLlm;
  cgroups?: ExecCgroups;
  waypoint?: Waypoint;
  transparent?: TransparentMode;
  run?: InterceptedProcess;
}

async function cleanup(r: Running): Promise<string[]> {
  const problems: string[] = [];
  const step = async (what: string, fn: () => unknown) => {
    try {
      await fn();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
    }
  };
  if (r.run) await step('detach the interceptor', () => r.run?.interceptor.detach());
  if (r.transparent) await step('close the TLS listener', () => r.transparent?.close());
  if (r.waypoint) await step('stop the waypoint', () => r.waypoint?.close());
  if (r.cgroups) await step('remove the cgroups', () => r.cgroups?.cleanup());
  if (r.mock) await step('stop the mock LLM', () => r.mock?.close());
  return problems;
}

/** Local mode's PauseReporter: freeze the exec's agent cgroup, record an incident, tell the user. */
function localPauseReporter(options: {
  agentCgroup: string;
  command: string;
  storeFile: string;
  log: (line: string) => void;
}): { report(r: PauseReport): Promise<void>; paused: () => boolean } {
  const mount = cgroup2Mount() ?? '';
  let active: Promise<void> | undefined;
  return {
    // The kernel's word, so an approve from another terminal is seen at once.
    paused: () => {
      try {
        return /^frozen 1$/m.test(readFileSync(join(options.agentCgroup, 'cgroup.events'), 'utf8'));
      } catch {
        return false;
      }
    },
    async report(r) {
      const target = r.agent.cgroup ? join(mount, r.agent.cgroup) : options.agentCgroup;
      // Only the cgroup this exec created (or one below it) is ever frozen from here.
      if (target !== options.agentCgroup && !target.startsWith(`${options.agentCgroup}/`)) {
        options.log(
          `semamesh: PAUSE for ${r.agent.cgroup || 'an unknown agent'} ignored: not this exec's agent`,
        );
        return;
      }
      if (active) return active;
      // Freeze at once, synchronously: the agent has its 403 in flight and must not act on it first.
      try {
        writeFileSync(join(options.agentCgroup, 'cgroup.freeze'), '1');
      } catch {
        // pauseLocalIncident below freezes (with the v1 fallback) and records any failure.
      }
      const slash = r.rule.lastIndexOf('/');
      active = (async () => {
        const store = new IncidentStore(options.storeFile);
        const incident = await pauseLocalIncident(store, new PauseAgent(nodeCgroups('/')), {
          agent: {
            cgroup: options.agentCgroup,
            pid: Number(r.agent.labels?.['semamesh.io/pid']) || undefined,
            command: options.command,
            namespace: 'local',
            pod: options.command,
          },
          policy: slash > 0 ? r.rule.slice(0, slash) : r.rule,
          rule: slash > 0 ? r.rule.slice(slash + 1) : r.rule,
          reason: r.reason,
          action: 'PAUSE',
          requestDigest: r.requestDigest,
          snapshotDir: join(dirname(options.storeFile), 'snapshots', `${Date.now()}-${process.pid}`),
        });
        const store_ = options.storeFile === defaultIncidentStore() ? '' : ` --store ${options.storeFile}`;
        const cp = incident.checkpoint;
        const evidence = cp?.path
          ? `${cp.method} copy at ${cp.path}${cp.error ? ` (${cp.error})` : ''}`
          : `no forensic copy: ${cp?.error ?? 'unknown'}`;
        options.log(
          [
            `semamesh: ${options.command} PAUSED by policy ${r.rule}: ${r.reason}`,
            `  incident ${incident.id} (${incident.phase}); ${evidence}`,
            `  resume it:    semamesh approve ${incident.id}${store_}`,
            `  or kill it:   semamesh terminate ${incident.id}${store_}`,
          ].join('\n'),
        );
      })()
        .catch((err: unknown) => {
          options.log(`semamesh: pausing ${options.command} failed: ${(err as Error).message}`);
        })
        .finally(() => {
          active = undefined;
        });
      return active;
    },
  };
}

/** Exit status the shell would report for the child. */
function exitStatus(result: number | NodeJS.Signals | null): number {
  if (typeof result === 'number') return result;
  if (result === null) return 127;
  return 128 + (os.signals[result] ?? 0);
}

/** Runs one governed command and resolves with its exit status; cleans up on every path. */
export async function runExec(argv: string[], opts: ExecCliOptions): Promise<number> {
  const t0 = performance.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const verbose = (line: string) =>
    opts.verbose && log(`semamesh: ${line} (+${(performance.now() - t0).toFixed(0)} ms)`);
  const addon = addonStatus();
  if (process.getuid?.() !== 0)
    throw new Error('semamesh exec needs root (BPF programs, cgroups); try: sudo semamesh exec ...');
  if (!addon.available)
    throw new Error(`eBPF interception is unavailable: ${addon.reason} (see: semamesh doctor)`);

  const { engine, note } = await loadEngine(opts);
  if (note && opts.verbose) log(`semamesh: ${note}`);
  verbose('policies loaded');
  const ca = await MeshCa.loadOrCreate(opts.caDir);
  const bundle = await ca.writeBundle();
  verbose(`mesh CA ${ca.certPath}`);
  const extraCa = (opts.upstreamCa ?? []).map((f) => readFileSync(f, 'utf8'));
  const command = basename(argv[0]);
  const r: Running = {};
  let signals = 0;
  let child: ChildProcess | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1 && pause?.paused()) log('semamesh: the agent is paused; Ctrl-C again kills it');
    if (signals >= 2) {
      // Second signal: kill the whole agent cgroup (SIGKILL also ends frozen tasks), then clean up.
      for (const pid of r.cgroups ? safeProcs(r.cgroups.agent) : []) tryKill(pid, 'SIGKILL');
      return;
    }
    // A terminal's Ctrl-C already reached the child (same process group); forward everything else.
    if (!(sig === 'SIGINT' && process.stdin.isTTY)) child?.kill(sig);
  };
  let pause: ReturnType<typeof localPauseReporter> | undefined;
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
  try {
    if (opts.mock) {
      r.mock = await createMockLlm({ tokenizer: 'approx' });
      verbose(`mock LLM on ${r.mock.url}`);
    }
    const upstream = { ...opts.upstream };
    if (r.mock) for (const p of ['openai', 'anthropic', 'generic'] as const) upstream[p] ??= r.mock.url;
    const routes: RouteConfig[] = [
      { provider: 'openai', upstream: upstream.openai ?? 'https://api.openai.com' },
      { provider: 'anthropic', upstream: upstream.anthropic ?? 'https://api.anthropic.com' },
    ];
    if (upstream.generic) routes.push({ provider: 'generic', upstream: upstream.generic });
    const overridden = new Set(
      (Object.keys(opts.upstream ?? {}) as Provider[]).map((p) => PROVIDER_HOSTS[p]).filter(Boolean),
    );
    const useConfiguredRoutes = (c: InterceptedConnection) => {
      if (r.mock) return true;
      const name = c.servername ?? c.hostname;
      // Static targets have no name: with any override given they follow it too.
      return name ? overridden.has(name) : Object.keys(opts.upstream ?? {}).length > 0;
    };

    // From here on this process is in <name>/waypoint: every listener below is created there, so
    // the getsockopt hook answers for it and its own upstream connections are never redirected.
    r.cgroups = prepareExecCgroups();
    const agentCgroup = r.cgroups.agent;
    verbose(`cgroups ${r.cgroups.root}`);
    let hostnames: (address: string, port: number) => string | undefined = () => undefined;
    r.transparent = new TransparentMode({
      originalDestination,
      minter: new LeafMinter(ca),
      hostnameFor: (a, p) => hostnames(a, p),
      useConfiguredRoutes,
      onError: (err) => opts.verbose && log(`semamesh: ${(err as Error).message}`),
    });
    pause = localPauseReporter({ agentCgroup, command, storeFile: opts.incidentStore, log });
    const transparent = r.transparent;
    const mount = cgroup2Mount() ?? '';
    r.waypoint = await createWaypoint({
      routes,
      engine,
      failOpen: opts.failOpen,
      originalDestination: transparent.routeDestination,
      identify: localIdentity({
        applies: (s) => transparent.connectionOf(s) !== undefined,
        // Only the agent cgroup is redirected: that is who is calling, no /proc scan needed.
        lookupPeer: false,
        fallback: { pod: command, cgroup: agentCgroup.slice(mount.length) },
      }),
      pauseReporter: pause,
      upstream: { extraCa },
      auditStream: auditStream(opts),
      logger: { level: 'error', stream: process.stderr },
    });
    const { url } = await r.waypoint.listen();
    const { tlsPort } = await transparent.listen(r.waypoint);
    const port = Number(new URL(url).port);
    verbose(`waypoint ${url}, TLS ${tlsPort}`);

    const viaTls = <T extends { port: number }>(t: T) =>
      t.port === 443 ? { ...t, waypointPort: tlsPort } : t;
    const hosts = [...(opts.defaultHosts ? DEFAULT_HOSTS : []), ...(opts.hosts ?? [])].map(viaTls);
    const resolver: Resolver | undefined = opts.resolve
      ? async (host) => {
          const fixed = opts.resolve?.get(host.toLowerCase());
          return fixed ? fixed.map((address) => ({ address })) : systemResolver(host);
        }
      : undefined;
    // The waypoint's URL lets an agent use explicit mode too (base URL) alongside the redirect.
    const env: NodeJS.ProcessEnv = { ...process.env, SEMAMESH_EXEC: '1', SEMAMESH_WAYPOINT_URL: url };
    for (const v of CA_VARIABLES) env[v] = bundle;
    r.run = await spawnIntercepted(
      argv,
      r.cgroups,
      {
        waypoint: { ip: '127.0.0.1', port, pid: process.pid },
        hosts,
        targets: (opts.target ?? []).map(viaTls),
        resolver,
        onError: (err) => opts.verbose && log(`semamesh: ${(err as Error).message}`),
      },
      { stdio: 'inherit', env },
    );
    child = r.run.child;
    const interceptor = r.run.interceptor;
    hostnames = (address, p) =>
      interceptor.hosts().find((h) => h.port === p && h.addresses.includes(address))?.host;
    verbose(`started ${command} (pid ${child.pid})`);
    const result = await r.run.exited;
    verbose(`${command} exited (${result})`);
    return exitStatus(result);
  } finally {
    const problems = await cleanup(r);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
    for (const p of problems) log(`semamesh: cleanup: ${p}`);
    verbose('cleaned up');
  }
}

function auditStream(opts: ExecCliOptions): WriteStream {
  const file = opts.auditFile ?? join(dirname(opts.incidentStore), 'audit.jsonl');
  mkdirSync(dirname(file), { recursive: true });
  return createWriteStream(file, { flags: 'a' });
}

function safeProcs(cgroup: string): number[] {
  try {
    return existsSync(cgroup) ? cgroupProcs(cgroup) : [];
  } catch {
    return [];
  }
}

function tryKill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

export function registerExec(program: Command): void {
  program
    .command('exec')
    .description(
      'run a command with its LLM traffic governed (eBPF redirect to a local waypoint; Linux, root)',
    )
    .usage('[options] -- <command...>')
    .argument('<command...>', 'the command to run, after --')
    .option('--policies <path>', 'SemaPolicy YAML file or directory (repeatable)', collect(String))
    .option('--bundle <file>', 'OPA bundle (.tar.gz with policy.wasm) to enforce')
    .option(
      '--upstream <provider=url>',
      'send openai|anthropic|generic traffic here instead (repeatable)',
      parseUpstream,
    )
    .option('--mock', 'answer every intercepted request from an in-process mock LLM')
    .option('--hosts <h1,h2>', 'more hosts to intercept (host or host:port, default port 443)', parseHosts)
    .option('--no-default-hosts', 'do not intercept api.openai.com:443 and api.anthropic.com:443')
    .option(
      '--target <ip:port>',
      'intercept this address (repeatable; port 443 is treated as TLS)',
      collect(parseTarget),
    )
    .option(
      '--resolve <host=ip>',
      'pin a host to addresses instead of DNS (repeatable, like curl --resolve)',
      parseResolve,
    )
    .option('--ca-dir <dir>', 'mesh CA directory (generated on first use)', defaultCaDir())
    .option(
      '--upstream-ca <file>',
      'also trust this CA for upstream TLS (repeatable; e.g. a test CA)',
      collect(String),
    )
    .option('--incident-store <file>', 'where PAUSE incidents are recorded', defaultIncidentStore())
    .option(
      '--audit-file <file>',
      'append audit records here (default: audit.jsonl next to the incident store)',
    )
    .option('--fail-open', 'allow requests while no policy can decide (counted)')
    .option('-v, --verbose', 'print each startup step with its time')
    .action(async (argv: string[], opts: ExecCliOptions) => {
      let status: number;
      try {
        status = await runExec(argv, opts);
      } catch (err) {
        const code = (err as { code?: string }).code;
        console.error(`semamesh exec: ${code ? `${code}: ` : ''}${(err as Error).message}`);
        status = 1;
      }
      process.exitCode = status;
    });
}
