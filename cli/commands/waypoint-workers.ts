// `semamesh waypoint --workers N`: the DaemonSet's waypoint on several event loops. The primary
// forks N copies of the command (waypoint/workers.ts), serves the admin port (metrics summed over
// the workers), and is the one bundle client: it watches --bundle or long-polls --bundle-url, writes
// each bundle to a private directory and tells every worker at once, so all loops swap together.
// Each worker runs the ordinary single-process waypoint with its own policy instance; budgets are
// shared through the one SQLite file or Redis, as across waypoints.
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BundleSource } from '../../waypoint/index.js';
import { isWaypointWorker, onPrimaryMessage, startPrimary } from '../../waypoint/workers.js';

/** Where a worker finds the bundle in force when it starts (a replacement worker, typically). */
const BUNDLE_ENV = 'SEMAMESH_WAYPOINT_BUNDLE';

export interface WaypointPrimaryOptions {
  workers: number;
  adminHost: string;
  adminPort: number;
  /** The bundle client (file watch or controller poll), already verifying signatures. */
  bundles?: BundleSource;
  /** Whether a policy is in force without a bundle (--policies compiled by each worker). */
  policyWithoutBundle: boolean;
  log: (line: string, fields?: Record<string, unknown>) => void;
}

export interface WaypointPrimary {
  url: string;
  adminUrl: string;
  close(): Promise<void>;
}

export async function startWaypointPrimary(options: WaypointPrimaryOptions): Promise<WaypointPrimary> {
  const dir = mkdtempSync(join(tmpdir(), 'semamesh-waypoint-'));
  let current: { path: string; revision: string } | undefined;
  let seq = 0;
  const primary = await startPrimary({
    workers: options.workers,
    adminHost: options.adminHost,
    adminPort: options.adminPort,
    env: (): Record<string, string> => (current ? { [BUNDLE_ENV]: current.path } : {}),
    notReady: () =>
      options.bundles && !current && !options.policyWithoutBundle ? 'no policy bundle loaded yet' : undefined,
    // A worker forked before the latest bundle arrived may have missed its broadcast.
    onListening: (worker) => {
      if (current && worker.isConnected())
        worker.send({ type: 'semamesh:swap', bundlePath: current.path, revision: current.revision });
    },
    log: (line) => options.log(line),
  }).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  let ready: { url: string; adminUrl: string };
  try {
    ready = await primary.ready;
  } catch (err) {
    await primary.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // Started once every worker listens for swaps, so none misses the first bundle.
  await options.bundles?.start({
    async deliver(bytes, info) {
      const previous = current;
      const path = join(dir, `bundle-${++seq}.tar.gz`);
      writeFileSync(path, bytes);
      current = { path, revision: info?.revision ?? '' };
      primary.broadcast({ type: 'semamesh:swap', bundlePath: path, revision: current.revision });
      // Workers read the file when the message arrives; the one before stays a while for stragglers.
      if (previous) setTimeout(() => rmQuietly(previous.path), 60_000).unref();
    },
    reject(err, info) {
      const message = err instanceof Error ? err.message : String(err);
      options.log('bundle rejected; the workers keep the policy in force', {
        origin: info?.origin,
        err: message,
      });
      // Counted by one worker, so semamesh_waypoint_bundle_updates_total{result="rejected"} shows it.
      primary.sendOne({ type: 'semamesh:bundle-rejected', origin: info?.origin, message });
    },
  });
  return {
    ...ready,
    async close() {
      await Promise.resolve(options.bundles?.stop()).catch(() => undefined);
      await primary.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function rmQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone with the directory
  }
}

/**
 * In a worker: bundles come from the primary (the one it was forked with, then every broadcast),
 * each loaded by this worker's own loader (counted, and rejected without harm if bad).
 */
export function primaryBundleSource(): BundleSource | undefined {
  if (!isWaypointWorker()) return undefined;
  let loaded = '';
  return {
    async start(sink) {
      const load = async (path: string, revision?: string) => {
        if (path === loaded) return;
        loaded = path;
        await sink.deliver(readFileSync(path), { origin: 'primary', revision }).catch(() => undefined);
      };
      onPrimaryMessage((m) => {
        if (m.type === 'semamesh:swap') void load(m.bundlePath, m.revision);
        else sink.reject(new Error(m.message), { origin: m.origin });
      });
      const first = process.env[BUNDLE_ENV];
      if (first) await load(first);
    },
    stop() {},
  };
}
