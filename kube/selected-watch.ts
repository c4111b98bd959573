// A list-then-watch cache for a kind with a field selector (the node agent's pods on one node:
// `spec.nodeName=<node>`), which the library's makeInformer cannot pass; resumes from the last
// resourceVersion, relists on 410 Gone, and reports adds, updates and deletes.
import { Watch } from '@kubernetes/client-node';
import { type K8sClient, plain } from './client.js';
import { toK8sError } from './errors.js';
import type { KindWatch, WatchOptions } from './informer.js';
import type { KindRef, KubeObject } from './types.js';

export interface SelectedWatchOptions extends WatchOptions {
  fieldSelector?: string;
}

const uidOf = (o: KubeObject) => o.metadata.uid ?? `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Starts the watch; resolves once the initial list has been delivered as adds. */
export async function watchSelected(
  client: K8sClient,
  kind: KindRef,
  options: SelectedWatchOptions = {},
): Promise<KindWatch> {
  const path = await client.pathOf(kind, options.namespace);
  const cache = new Map<string, KubeObject>();
  let stopped = false;
  let resourceVersion = '';
  let abort: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = options.restartDelayMs ?? 1000;
  const typed = (o: KubeObject): KubeObject => ({
    ...o,
    apiVersion: o.apiVersion ?? kind.apiVersion,
    kind: o.kind ?? kind.kind,
  });

  const relist = async () => {
    const list = await client.listWithVersion(kind, {
      namespace: options.namespace,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
    });
    resourceVersion = list.resourceVersion;
    const seen = new Set<string>();
    for (const item of list.items) {
      const o = typed(item);
      const id = uidOf(o);
      seen.add(id);
      const prev = cache.get(id);
      cache.set(id, o);
      if (!prev) options.onAdd?.(o);
      else if (prev.metadata.resourceVersion !== o.metadata.resourceVersion) options.onUpdate?.(o);
    }
    for (const [id, o] of cache) {
      if (seen.has(id)) continue;
      cache.delete(id);
      options.onDelete?.(o);
    }
  };

  const restart = (err?: unknown, gone = false) => {
    if (stopped) return;
    if (err) options.onError?.(toK8sError(err, `watch ${kind.kind}`));
    if (gone) resourceVersion = '';
    // A clean end (server timeout) resumes at once-ish; 50 ms keeps a server that closes every
    // watch immediately from turning this into a busy loop.
    timer = setTimeout(() => void run(), err ? delay : 50);
    if (err) delay = Math.min(delay * 2, 30_000);
  };

  const run = async (): Promise<void> => {
    if (stopped) return;
    try {
      if (!resourceVersion) await relist();
      let gone = false;
      abort = await new Watch(client.kubeConfig).watch(
        path,
        {
          resourceVersion,
          allowWatchBookmarks: true,
          ...(options.fieldSelector ? { fieldSelector: options.fieldSelector } : {}),
          ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
        },
        (phase: string, apiObj: unknown) => {
          const o = typed(plain(apiObj) as KubeObject);
          if (phase === 'ERROR') {
            gone = true;
            return;
          }
          if (o.metadata?.resourceVersion) resourceVersion = o.metadata.resourceVersion;
          if (phase === 'BOOKMARK') return;
          delay = options.restartDelayMs ?? 1000;
          const id = uidOf(o);
          if (phase === 'DELETED') {
            cache.delete(id);
            options.onDelete?.(o);
          } else {
            const had = cache.has(id);
            cache.set(id, o);
            if (had) options.onUpdate?.(o);
            else options.onAdd?.(o);
          }
        },
        (err: unknown) => {
          abort = undefined;
          const aborted = (err as { name?: string } | null)?.name === 'AbortError';
          if (stopped || aborted) return;
          restart(err ?? undefined, gone);
        },
      );
    } catch (err) {
      resourceVersion = '';
      restart(err);
    }
  };

  await relist();
  await run();
  return {
    list: () => [...cache.values()],
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      abort?.abort();
    },
  };
}
