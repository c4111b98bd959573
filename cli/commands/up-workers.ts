// `semamesh up --workers N`: local mode on several event loops. The primary compiles the policies
// (or syncs the Git source) once into a shared directory and supervises N workers; each worker loads
// that bundle, serves the shared port with its own waypoint, and swaps bundles when the primary says.
// Budgets stay exact across workers because they live in one SQLite file in the shared directory.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SemaQuota } from '../../api/index.js';
import { startPrimary } from '../../waypoint/workers.js';
import { loadLocalPolicy, samplePolicyPath } from './local-policy.js';
import type { UpOptions } from './up.js';
import { syncUpSource, watchUpSource } from './up-source.js';

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
  try {
    let bundlePath: string;
    let quotas: SemaQuota[] = [];
    let policySource: string;
    if (opts.source) {
      const first = await syncUpSource({ source: opts.source, path: opts.path, dir, log });
      if (!first.ok || !first.bundlePath)
        throw new Error(`the policy repository ${opts.source} did not compile`);
      bundlePath = first.bundlePath;
      policySource = `${opts.source} (${first.revision})`;
    } else {
      const paths = opts.policies?.length ? opts.policies : [samplePolicyPath()];
      const local = await loadLocalPolicy(paths);
      bundlePath = join(dir, 'bundle.tar.gz');
      writeFileSync(bundlePath, local.compiled.bundle!);
      quotas = local.quotas;
      policySource = paths.join(', ');
    }
    writeFileSync(join(dir, 'quotas.json'), JSON.stringify(quotas));
    const primary = await startPrimary({
      workers,
      adminHost: opts.host,
      adminPort: opts.adminPort,
      env: { SEMAMESH_UP_DIR: dir, SEMAMESH_UP_BUNDLE: bundlePath, SEMAMESH_UP_POLICY_SOURCE: policySource },
      log,
    });
    let ready: { url: string; adminUrl: string };
    try {
      ready = await primary.ready;
    } catch (err) {
      await primary.close();
      throw err;
    }
    if (opts.source) {
      stopWatch = watchUpSource({
        source: opts.source,
        path: opts.path,
        dir,
        log,
        intervalMs: opts.syncInterval * 1000,
        onChange: (result) => {
          if (!result.bundlePath) return;
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
      async close() {
        stopWatch?.();
        await primary.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    stopWatch?.();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
