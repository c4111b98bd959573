// The Git piece of `semamesh up --source <git-url>[#ref] --path <dir>`: sync the repository into a
// local directory (rendered objects + compiled bundle), print diagnostics, and keep it in sync on an
// interval. The `up` command itself calls these; they print through the given logger only.
import { formatRenderDiagnostic, type SyncLocalResult, syncLocal } from '../../gitops/index.js';

export interface UpSourceOptions {
  /** `https://host/repo.git`, optionally `#branch`, `#v1.2.0`, `#<commit>` or `#semver=<range>`. */
  source: string;
  /** Directory inside the repository holding the manifests; default `.`. */
  path?: string;
  /** Output directory for `objects.yaml`, `bundle.tar.gz` and `revision`. */
  dir: string;
  cacheDir?: string;
  /** Git credentials for a private repository (e.g. from `SEMAMESH_GIT_TOKEN`). */
  token?: string;
  log?: (line: string) => void;
}

function credentialsOf(token: string | undefined) {
  return token ? { password: token } : undefined;
}

/**
 * Syncs once. Errors in the repository are printed as `file:line:col` and leave `ok: false` (the
 * previous output, if any, stays in place); network and auth problems throw a GitopsError.
 */
export async function syncUpSource(options: UpSourceOptions): Promise<SyncLocalResult> {
  const log = options.log ?? ((line: string) => console.error(line));
  const result = await syncLocal({
    url: options.source,
    path: options.path,
    dir: options.dir,
    cacheDir: options.cacheDir,
    credentials: credentialsOf(options.token ?? process.env.SEMAMESH_GIT_TOKEN),
  });
  for (const d of result.diagnostics) if (d.severity !== 'note') log(formatRenderDiagnostic(d));
  if (result.changed)
    log(`synced ${result.revision}: ${result.objects.length} objects → ${result.bundlePath}`);
  else if (!result.ok) log(`revision ${result.revision} has errors; keeping the previous policies`);
  return result;
}

/**
 * Re-syncs every `intervalMs` and calls `onChange` with each new good revision (the waypoint then
 * reloads `bundlePath`). Failures are logged and retried on the next tick. Returns a stop function.
 */
export function watchUpSource(
  options: UpSourceOptions & {
    intervalMs: number;
    onChange: (result: SyncLocalResult) => void | Promise<void>;
  },
): () => void {
  const log = options.log ?? ((line: string) => console.error(line));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      const result = await syncUpSource(options);
      if (result.ok && result.changed) await options.onChange(result);
    } catch (err) {
      log(`semamesh up: source sync failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!stopped) timer = setTimeout(tick, options.intervalMs);
  };
  timer = setTimeout(tick, options.intervalMs);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
