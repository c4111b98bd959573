// Watches a kind with the client library's informer (list, then watch from the list's
// resourceVersion) and restarts it after errors, so a reconciler sees every add, update and delete.
import { type KubernetesObject, makeInformer } from '@kubernetes/client-node';
import { type K8sClient, plain } from './client.js';
import { toK8sError } from './errors.js';
import type { KindRef, KubeObject } from './types.js';

export interface WatchOptions {
  /** Omitted: every namespace. */
  namespace?: string;
  labelSelector?: string;
  onAdd?: (obj: KubeObject) => void;
  onUpdate?: (obj: KubeObject) => void;
  onDelete?: (obj: KubeObject) => void;
  /** A watch failure; the informer restarts after `restartDelayMs` whatever this does. */
  onError?: (err: Error) => void;
  /** Delay before a failed watch is restarted; doubles up to 30 s, resets on success. */
  restartDelayMs?: number;
}

export interface KindWatch {
  /** Objects currently known to the informer's cache. */
  list(): KubeObject[];
  stop(): Promise<void>;
}

/** Starts an informer on `kind`; resolves once the initial list has been delivered. */
export async function watchKind(
  client: K8sClient,
  kind: KindRef,
  options: WatchOptions = {},
): Promise<KindWatch> {
  const path = await client.pathOf(kind, options.namespace);
  const listFn = async () => {
    const { items, resourceVersion } = await client.listWithVersion(kind, {
      namespace: options.namespace,
      labelSelector: options.labelSelector,
    });
    return {
      apiVersion: kind.apiVersion,
      kind: `${kind.kind}List`,
      metadata: { resourceVersion },
      items,
    } as never;
  };
  const informer = makeInformer<KubernetesObject>(client.kubeConfig, path, listFn, options.labelSelector);
  const wrap = (cb?: (o: KubeObject) => void) => (o: KubernetesObject) => {
    const p = plain(o) as KubeObject;
    cb?.({ ...p, apiVersion: p.apiVersion ?? kind.apiVersion, kind: p.kind ?? kind.kind });
  };
  informer.on('add', wrap(options.onAdd));
  informer.on('update', wrap(options.onUpdate));
  informer.on('delete', wrap(options.onDelete));
  let stopped = false;
  let delay = options.restartDelayMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  informer.on('connect', () => {
    delay = options.restartDelayMs ?? 1000;
  });
  informer.on('error', (err: unknown) => {
    // stop() aborts the watch request, which the library reports as an error: that is no failure.
    if (stopped) return;
    options.onError?.(toK8sError(err, `watch ${kind.kind}`));
    timer = setTimeout(() => {
      if (!stopped) informer.start().catch(() => undefined);
    }, delay);
    delay = Math.min(delay * 2, 30_000);
  });
  await informer.start();
  return {
    list: () => informer.list().map((o) => plain(o) as KubeObject),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await informer.stop();
    },
  };
}
