// `semamesh up`: local mode. Compiles policies from folders (or syncs them from a Git repository),
// starts the waypoint on 127.0.0.1 (with an in-process mock LLM if asked) and prints where to point agents.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { type Command, InvalidArgumentError } from 'commander';
import type { SemaPolicy, SemaQuota } from '../../api/index.js';
import type { MockLlm } from '../../test/mock-llm/index.js';
import {
  budgetBackend,
  createWaypoint,
  type DecisionEngine,
  loadWasmEngine,
  parseClassifierRules,
  type RouteFlags,
  routePolicy,
  type Waypoint,
} from '../../waypoint/index.js';
import {
  defaultWorkers,
  isWaypointWorker,
  onPrimaryMessage,
  reportListening,
} from '../../waypoint/workers.js';
import { progress } from '../progress.js';
import { selfCommand } from '../self.js';
import { defaultIncidentStore } from './incident-store-path.js';
import { loadServedPolicy, samplePolicyPath } from './policy-cache.js';
import { routeFlagOptions } from './route-flags.js';
import type { LocalPolicies, UpConsole } from './up-console.js';
import { localPauseReporter, openIncidentStore, workerPauseReporter } from './up-pause.js';
import { flushRelay, relayDecision, sharedPolicy, startUpPrimary, type UpPrimary } from './up-workers.js';
import { openBudgetEngine } from './waypoint-budget.js';

export interface UpOptions extends RouteFlags {
  policies?: string[];
  source?: string;
  path?: string;
  syncInterval: number;
  upstream?: string[];
  mock?: boolean;
  host: string;
  port: number;
  adminPort: number;
  failOpen?: boolean;
  /** Event loops (worker processes) serving the port; default: the CPUs the cgroup allows. */
  workers?: number;
  /** Where audit records go (default stdout). */
  auditStream?: Writable;
  /** Serve the console (default true; `--no-console`). */
  console?: boolean;
  consolePort?: number;
  /** The console's token (default: a random one per run). */
  consoleToken?: string;
  /** Local incident store shared with `semamesh exec` and `semamesh incidents`. */
  incidentStore?: string;
  /** YAML/JSON file of guard-model classifiers, which SemaPolicy rules may name (docs/classifier.md). */
  classifiers?: string;
}

export interface LocalMode {
  waypoint: Waypoint;
  url: string;
  adminUrl: string;
  mock?: MockLlm;
  /** The console, with the URL that carries its token in the fragment. */
  console?: UpConsole & { url: string; loginUrl: string };
  /** What was loaded, for the banner. */
  policySource: string;
  close(): Promise<void>;
}

const PROVIDERS = new Set(['openai', 'anthropic', 'mcp', 'generic']);

function parseUpstream(value: string, prev: string[] = []): string[] {
  const [name, url] = value.split(/=(.*)/s);
  if (!PROVIDERS.has(name) || !/^https?:\/\//.test(url ?? ''))
    throw new InvalidArgumentError('expected <openai|anthropic|mcp|generic>=<http(s) URL>');
  return [...prev, value];
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

/** Starts local mode; the caller prints the banner and waits for a signal. */
export async function startLocalMode(opts: UpOptions, log: (line: string) => void): Promise<LocalMode> {
  // Everything opened so far, closed in reverse when starting fails half-way (a taken port, a
  // broken policy): nothing may keep the process alive or leave its temp directory behind.
  const cleanups: Array<() => unknown> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    return await start(opts, log, cleanups, cleanup);
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function start(
  opts: UpOptions,
  log: (line: string) => void,
  cleanups: Array<() => unknown>,
  cleanup: () => Promise<void>,
): Promise<LocalMode> {
  let engine: DecisionEngine;
  let quotas: SemaQuota[] = [];
  let policySource: string;
  let loaded: LocalPolicies = { policies: [], source: '' };
  let stopWatch: (() => void) | undefined;
  // A worker of `up --workers N` loads the bundle its primary prepared, in the shared directory,
  // which the primary removes; a single process removes its own.
  const shared = sharedPolicy();
  const outDir = shared?.dir ?? mkdtempSync(join(tmpdir(), 'semamesh-up-'));
  if (!shared) cleanups.push(() => rmSync(outDir, { recursive: true, force: true }));
  if (shared) {
    engine = await loadWasmEngine(readFileSync(shared.bundlePath));
    quotas = shared.quotas;
    policySource = shared.policySource;
  } else if (opts.source) {
    const sync = { source: opts.source, path: opts.path, dir: outDir, log };
    const bar = progress();
    bar.update(`cloning ${opts.source} and compiling its policies…`);
    const { syncUpSource } = await import('./up-source.js');
    const first = await syncUpSource(sync).finally(() => bar.done());
    if (!first.ok || !first.bundlePath)
      throw new Error(`the policy repository ${opts.source} did not compile`);
    engine = await loadWasmEngine(readFileSync(first.bundlePath));
    policySource = `${opts.source} (${first.revision})`;
    loaded = {
      policies: first.objects.filter((o) => o.kind === 'SemaPolicy') as unknown as SemaPolicy[],
      source: opts.source,
      commit: first.revision,
    };
  } else {
    const paths = opts.policies?.length ? opts.policies : [samplePolicyPath()];
    let policies: SemaPolicy[];
    ({ engine, quotas, policies } = await loadServedPolicy(paths));
    policySource = paths.join(', ');
    loaded = { policies, source: policySource };
  }

  // Budgets live in SQLite next to the synced policies, for as long as this local mode runs.
  const budget =
    quotas.length > 0 ? await openBudgetEngine({ quotaDb: join(outDir, 'quota.db') }, quotas) : undefined;
  if (budget) cleanups.push(() => budget.close());
  // Loaded only when asked for: start-up pays for the modules it uses (also --source's Git client).
  const mock = opts.mock
    ? await (await import('../../test/mock-llm/index.js')).createMockLlm({ port: 0 })
    : undefined;
  if (mock) cleanups.push(() => mock.close());
  const upstream = new Map<string, string>();
  if (mock) for (const p of ['openai', 'anthropic']) upstream.set(p, mock.url);
  for (const u of opts.upstream ?? []) {
    const [name, url] = u.split(/=(.*)/s);
    upstream.set(name, url);
  }
  // A worker's decisions go to its primary, which serves the one console of this run (a worker loads
  // no console, only the incident store its PAUSE decisions are recorded in). The console gets each
  // record as an object; the JSON lines still go to stdout (asynchronously).
  // The console itself (its modules and server) is built once the waypoint listens, so the first
  // request does not wait for it: PAUSE decisions go to the incident store, opened before, and the
  // records decided meanwhile are handed to the console when it is there.
  const withConsole = opts.console !== false;
  const store = withConsole && !shared ? await openIncidentStore(opts) : undefined;
  const pauseReporter = store
    ? localPauseReporter(store)
    : withConsole && shared
      ? await workerPauseReporter(opts)
      : undefined;
  let ui: UpConsole | undefined;
  const early: Record<string, unknown>[] = [];
  const onAudit = shared
    ? withConsole
      ? relayDecision
      : undefined
    : store
      ? (r: Record<string, unknown>) => {
          if (ui) ui.decisions.record(r, 'local');
          else early.push(r);
        }
      : undefined;
  const waypoint = await createWaypoint({
    host: opts.host,
    port: opts.port,
    // In a worker the primary serves the admin port.
    adminPort: opts.adminPort,
    serveAdmin: !shared,
    routes: [
      { provider: 'openai', upstream: upstream.get('openai') ?? 'https://api.openai.com' },
      { provider: 'anthropic', upstream: upstream.get('anthropic') ?? 'https://api.anthropic.com' },
      ...(upstream.has('mcp') ? [{ provider: 'mcp' as const, upstream: upstream.get('mcp')! }] : []),
      ...(upstream.has('generic')
        ? [{ provider: 'generic' as const, upstream: upstream.get('generic')! }]
        : []),
    ],
    ...routePolicy(opts),
    engine,
    quota: budget ? budgetBackend(budget) : undefined,
    failOpen: opts.failOpen,
    auditStream: opts.auditStream,
    onAudit,
    pauseReporter,
    classifiers: opts.classifiers
      ? parseClassifierRules(readFileSync(opts.classifiers, 'utf8'), opts.classifiers)
      : undefined,
  });
  cleanups.push(() => waypoint.close());
  const { url, adminUrl } = await waypoint.listen();
  let consoleInfo: LocalMode['console'];
  if (store) {
    const made = await (await import('./up-console.js')).createUpConsole({
      store,
      policies: () => loaded,
      budget,
      token: opts.consoleToken,
    });
    ui = made;
    for (const r of early.splice(0)) made.decisions.record(r, 'local');
    const consoleUrl = await made.server.listen(opts.consolePort ?? 0, opts.host);
    cleanups.push(() => made.server.close());
    consoleInfo = { ...made, url: consoleUrl, loginUrl: `${consoleUrl}#token=${made.token}` };
  }

  if (opts.source && !shared) {
    const { watchUpSource } = await import('./up-source.js');
    stopWatch = watchUpSource({
      source: opts.source,
      path: opts.path,
      dir: outDir,
      log,
      intervalMs: opts.syncInterval * 1000,
      onChange: async (result) => {
        if (!result.bundlePath) return;
        waypoint.holder.swap(await loadWasmEngine(readFileSync(result.bundlePath)));
        loaded = {
          policies: result.objects.filter((o) => o.kind === 'SemaPolicy') as unknown as SemaPolicy[],
          source: opts.source ?? '',
          commit: result.revision,
        };
        log(`policies updated to ${result.revision}`);
      },
    });
  }
  return {
    waypoint,
    url,
    adminUrl,
    mock,
    console: consoleInfo,
    policySource,
    async close() {
      stopWatch?.();
      await cleanup();
    },
  };
}

export function registerUp(program: Command): void {
  const collect = (v: string, prev: string[] = []) => [...prev, v];
  const [passthrough, defaultPassthrough, governedHost] = routeFlagOptions();
  program
    .command('up')
    .description('local mode: compile policies, start the waypoint on localhost, print where to point agents')
    .option(
      '--policies <path>',
      'SemaPolicy/SemaQuota YAML file or folder (repeatable; default: the sample policy)',
      collect,
    )
    .option(
      '--source <git-url>',
      'sync policies from a Git repository instead (`url#branch`, `#tag`, `#sha`)',
    )
    .option('--path <dir>', 'folder inside the repository holding the manifests', '.')
    .option('--sync-interval <seconds>', 'how often to re-sync --source', (v) => Number(v), 60)
    .option(
      '--upstream <provider=url>',
      'upstream for a provider, e.g. openai=https://api.openai.com (repeatable)',
      parseUpstream,
    )
    .option('--mock', 'answer with the built-in mock LLM instead of a real provider')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-p, --port <port>', 'waypoint port (0 picks a free one)', parsePort, 8788)
    .option('--admin-port <port>', 'port of /metrics, /healthz, /readyz', parsePort, 9788)
    .option('--fail-open', 'allow requests when no decision can be made (counted)')
    .option(
      '--workers <n>',
      'event loops serving the port (default: the CPUs this process may use, cgroup quota included)',
      parseWorkers,
    )
    .option('--console-port <port>', 'port of the console (0 picks a free one)', parsePort, 9789)
    .option('--no-console', 'do not serve the console')
    .option('--classifiers <file>', 'guard-model classifiers, YAML or JSON (docs/classifier.md)')
    .option('--incident-store <file>', 'where PAUSE incidents are recorded', defaultIncidentStore())
    .addOption(passthrough)
    .addOption(defaultPassthrough)
    .addOption(governedHost)
    .action(async (opts: UpOptions) => {
      const workers = opts.workers ?? defaultWorkers();
      if (workers > 1 && !isWaypointWorker()) return runPrimary(opts, workers);
      let local: LocalMode;
      try {
        local = await startLocalMode(opts, (line) => console.error(line));
      } catch (err) {
        console.error(`semamesh up: ${err instanceof Error ? err.message : String(err)}`);
        process.exitCode = 1;
        // A worker's IPC channel to its primary would keep it alive: leave explicitly.
        if (isWaypointWorker()) process.exit(1);
        return;
      }
      if (isWaypointWorker()) {
        reportListening(local.url, local.waypoint.metrics.registry);
        onPrimaryMessage(async (m) => {
          if (m.type === 'semamesh:swap')
            local.waypoint.holder.swap(await loadWasmEngine(readFileSync(m.bundlePath)));
        });
        await untilSignal();
        await local.close();
        flushRelay();
        process.exit(0);
      }
      printBanner(local);
      await untilSignal();
      await local.close();
    });
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 256)
    throw new InvalidArgumentError('expected a number of workers from 1 to 256');
  return n;
}

function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

async function runPrimary(opts: UpOptions, workers: number): Promise<void> {
  let primary: UpPrimary;
  try {
    primary = await startUpPrimary(opts, workers, (line) => console.error(line));
  } catch (err) {
    console.error(`semamesh up: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
    return;
  }
  printBanner({ ...primary, mock: undefined }, workers, opts.mock);
  await untilSignal();
  await primary.close();
}

function printBanner(
  local: Pick<LocalMode, 'url' | 'adminUrl' | 'policySource' | 'mock'> & { console?: { loginUrl: string } },
  workers = 1,
  mock = !!local.mock,
): void {
  console.log(`SemaMesh waypoint on ${local.url} (metrics ${local.adminUrl}/metrics)`);
  console.log(`  policies: ${local.policySource}`);
  console.log(
    `  upstream: ${mock ? (local.mock ? `mock LLM at ${local.mock.url}` : 'the mock LLM') : 'the real providers'}`,
  );
  if (workers > 1) console.log(`  workers: ${workers} event loops`);
  if (local.console) console.log(`  console: ${local.console.loginUrl} (this run's token; keep it private)`);
  console.log('Point agents at it:');
  console.log(`  export OPENAI_BASE_URL=${local.url}/v1`);
  console.log(`  export ANTHROPIC_BASE_URL=${local.url}`);
  console.log(`Or run an unmodified agent under the eBPF redirect: sudo ${selfCommand()} exec -- <command>`);
}
