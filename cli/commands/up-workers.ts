// `semamesh up --workers N`: local mode on several event loops. The primary compiles the policies
// (or syncs the Git source) once into a shared directory and supervises N workers; each worker loads
// that bundle, serves the shared port with its own waypoint, and swaps bundles when the primary says.
// Budgets stay exact across workers because they live in one SQLite file in the shared directory.

import cluster from 'node:cluster';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SemaPolicy, SemaQuota } from '../../api/index.js';
import { startPrimary } from '../../waypoint/workers.js';
import { loadServedPolicy, samplePolicyPath } from './policy-cache.js';
import type { UpOptions } from './up.js';
import type { LocalPolicies, UpConsole } from './up-console.js';
import { openBudgetEngine } from './waypoint-budget.js';

const DECISION = 'semamesh:decision';

/** Decisions waiting for the next relay to the primary. */
let relayQueue: unknown[] = [];
/** Most decisions one relay carries, and how long a decision may wait for the others. */
const RELAY_BATCH = 256;
const RELAY_DELAY_MS = 50;

/**
 * In a worker: hands one audited decision to the primary's console. Decisions travel in batches
 * (one IPC message per RELAY_DELAY_MS or RELAY_BATCH) so the primary — sharing the CPUs with the
 * workers — is not woken for every request.
 */
export function relayDecision(record: unknown): void {
  relayQueue.push(record);
  if (relayQueue.length >= RELAY_BATCH) flushRelay();
  else if (relayQueue.length === 1) setTimeout(flushRelay, RELAY_DELAY_MS).unref();
}

/** Sends the waiting decisions now (also before a worker exits). */
export function flushRelay(): void {
  if (relayQueue.length === 0) return;
  const records = relayQueue;
  relayQueue = [];
  process.send?.({ type: DECISION, records });
}

/** What a worker finds in its environment: the shared directory and the bundle to load. */
export interface SharedPolicy {
  dir: string;
  bundlePath: string;
  quotas: SemaQuota[];
  policySource: string;
}

/** The shared policy a worker was started with, or undefined outside a worker of `up`. */
export function sharedPolicy(env = process.env): SharedPolicy | undefined {
  const dir = env.SEMAMESH_UP_DIR;
  const bundlePath = env.SEMAMESH_UP_BUNDLE;
  if (!dir || !bundlePath) return undefined;
  return {
    dir,
    bundlePath,
    quotas: JSON.parse(readFileSync(join(dir, 'quotas.json'), 'utf8')) as SemaQuota[],
    policySource: env.SEMAMESH_UP_POLICY_SOURCE ?? bundlePath,
  };
}

export interface UpPrimary {
  url: string;
  adminUrl: string;
  policySource: string;
  console?: { url: string; loginUrl: string };
  close(): Promise<void>;
}

/** Prepares the shared policy, starts the workers, and resolves once every worker listens. */
export async function startUpPrimary(
  opts: UpOptions,
  workers: number,
  log: (line: string) => void,
): Promise<UpPrimary> {
  const dir = mkdtempSync(join(tmpdir(), 'semamesh-up-'));
  let stopWatch: (() => void) | undefined;
  let stopConsole: (() => Promise<void>) | undefined;
  try {
    let bundlePath: string;
    let quotas: SemaQuota[] = [];
    let policySource: string;
    let loaded: LocalPolicies;
    const policiesOf = (objects: { kind: string }[]) =>
      objects.filter((o) => o.kind === 'SemaPolicy') as unknown as SemaPolicy[];
    if (opts.source) {
      const { syncUpSource } = await import('./up-source.js');
      const first = await syncUpSource({ source: opts.source, path: opts.path, dir, log });
      if (!first.ok || !first.bundlePath)
        throw new Error(`the policy repository ${opts.source} did not compile`);
      bundlePath = first.bundlePath;
      policySource = `${opts.source} (${first.revision})`;
      loaded = { policies: policiesOf(first.objects), source: opts.source, commit: first.revision };
    } else {
      const paths = opts.policies?.length ? opts.policies : [samplePolicyPath()];
      const local = await loadServedPolicy(paths);
      bundlePath = join(dir, 'bundle.tar.gz');
      writeFileSync(bundlePath, local.bundle);
      quotas = local.quotas;
      policySource = paths.join(', ');
      loaded = { policies: local.policies, source: policySource };
    }
    // The one console of this run: decisions relayed by the workers, incidents from the shared
    // store, spend from the shared SQLite budget. It is built while the workers start (they do not
    // wait for it); decisions relayed before it is there are handed to it then.
    const budget =
      quotas.length > 0 ? await openBudgetEngine({ quotaDb: join(dir, 'quota.db') }, quotas) : undefined;
    const withConsole = opts.console !== false;
    let ui: UpConsole | undefined;
    const early: unknown[] = [];
    const onMessage = (_w: unknown, m: { type?: string; records?: unknown[] }) => {
      if (m?.type !== DECISION || !withConsole || !Array.isArray(m.records)) return;
      if (ui) for (const r of m.records) ui.decisions.record(r, 'local');
      else early.push(...m.records);
    };
    cluster.on('message', onMessage);
    stopConsole = async () => {
      cluster.off('message', onMessage);
      await ui?.server.close();
      await budget?.close();
    };
    writeFileSync(join(dir, 'quotas.json'), JSON.stringify(quotas));
    const primary = await startPrimary({
      workers,
      adminHost: opts.host,
      adminPort: opts.adminPort,
      env: { SEMAMESH_UP_DIR: dir, SEMAMESH_UP_BUNDLE: bundlePath, SEMAMESH_UP_POLICY_SOURCE: policySource },
      log,
    });
    let consoleInfo: UpPrimary['console'];
    let ready: { url: string; adminUrl: string };
    try {
      const made = await (await import('./up-console.js')).upConsoleFor(opts, () => loaded, budget);
      ui = made;
      if (made) {
        for (const r of early.splice(0)) made.decisions.record(r, 'local');
        const url = await made.server.listen(opts.consolePort ?? 0, opts.host);
        consoleInfo = { url, loginUrl: `${url}#token=${made.token}` };
      }
      ready = await primary.ready;
    } catch (err) {
      await primary.close();
      throw err;
    }
    if (opts.source) {
      const { watchUpSource } = await import('./up-source.js');
      stopWatch = watchUpSource({
        source: opts.source,
        path: opts.path,
        dir,
        log,
        intervalMs: opts.syncInterval * 1000,
        onChange: (result) => {
          if (!result.bundlePath) return;
          loaded = {
            policies: policiesOf(result.objects),
            source: opts.source ?? '',
            commit: result.revision,
          };
          // Every worker gets the same bundle in the same tick, so they swap together.
          primary.broadcast({
            type: 'semamesh:swap',
            bundlePath: result.bundlePath,
            revision: result.revision,
          });
          log(`policies updated to ${result.revision}`);
        },
      });
    }
    return {
      ...ready,
      policySource,
      console: consoleInfo,
      async close() {
        stopWatch?.();
        await primary.close();
        await stopConsole?.();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    stopWatch?.();
    await stopConsole?.();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
