// Wires the GitOps controller together for a cluster: client, Git cache, Event recorder,
// reconciler, per-source scheduler and (optionally) the webhook receiver.
import {
  EventRecorder,
  K8sClient,
  type KubeconfigSource,
  type KubeObject,
  SEMAMESH_KINDS,
  type SecretObject,
  secretValues,
} from '../kube/index.js';
import { errorMessage } from './errors.js';
import {
  type BackoffOptions,
  type ReconcileResult,
  SourceReconciler,
  type SourceRef,
  type SyncBarrier,
} from './reconciler.js';
import { SourceScheduler } from './scheduler.js';
import { GitSourceCache } from './source/index.js';
import { startWebhookServer, type WebhookServer } from './webhook.js';

/** Annotation on a SemaPolicySource naming a Secret (key `token`) with that source's webhook secret. */
export const WEBHOOK_SECRET_ANNOTATION = 'semamesh.io/webhook-secret';

export interface GitopsManagerOptions {
  kubeconfig?: KubeconfigSource;
  /** An existing client (tests); wins over `kubeconfig`. */
  client?: K8sClient;
  /** Cache directory for fetched repositories. */
  workDir: string;
  namespace?: string;
  concurrency?: number;
  backoff?: BackoffOptions;
  /** Start the webhook receiver on this port (0: any free port). Omitted: no receiver. */
  webhookPort?: number;
  webhookHost?: string;
  /** Shared webhook secret for sources without the annotation. */
  webhookSecret?: string;
  instance?: string;
  /** Holds the policy compiler off while a sync applies, so one sync publishes one complete bundle. */
  syncBarrier?: SyncBarrier;
  onResult?: (ref: SourceRef, result: ReconcileResult) => void;
  log?: (message: string) => void;
}

export interface GitopsManager {
  readonly client: K8sClient;
  readonly scheduler: SourceScheduler;
  readonly reconciler: SourceReconciler;
  readonly webhook?: WebhookServer;
  stop(): Promise<void>;
}

export async function startGitops(options: GitopsManagerOptions): Promise<GitopsManager> {
  const client = options.client ?? K8sClient.fromKubeconfig(options.kubeconfig);
  const recorder = new EventRecorder(client, { component: 'semamesh-gitops', instance: options.instance });
  const reconciler = new SourceReconciler({
    client,
    cache: new GitSourceCache(options.workDir),
    recorder,
    backoff: options.backoff,
    syncBarrier: options.syncBarrier,
    log: options.log,
  });
  // Webhook secrets live in memory, loaded in the background (at start, when a source is first
  // reconciled, and every 30 s): a request, signed or not, never causes an API call before its HMAC
  // is checked.
  const secrets = new Map<string, string | undefined>();
  const keyOf = (ref: SourceRef) => `${ref.namespace}/${ref.name}`;
  const loadSecret = async (ref: SourceRef): Promise<void> => {
    try {
      const src = await client.find({ ...SEMAMESH_KINDS.SemaPolicySource, ...ref });
      if (!src) {
        secrets.delete(keyOf(ref));
        return;
      }
      const secretName = src.metadata.annotations?.[WEBHOOK_SECRET_ANNOTATION];
      if (!secretName) {
        secrets.set(keyOf(ref), options.webhookSecret);
        return;
      }
      const secret = await client.find<SecretObject & KubeObject>({
        apiVersion: 'v1',
        kind: 'Secret',
        name: secretName,
        namespace: ref.namespace,
      });
      secrets.set(keyOf(ref), secret ? secretValues(secret).token : undefined);
    } catch (err) {
      options.log?.(`webhook secret of ${ref.namespace}/${ref.name}: ${errorMessage(err)}`);
    }
  };
  const refreshSecrets = async (): Promise<void> => {
    try {
      for (const src of await client.list(SEMAMESH_KINDS.SemaPolicySource, { namespace: options.namespace }))
        await loadSecret({ namespace: src.metadata.namespace ?? 'default', name: src.metadata.name });
    } catch (err) {
      options.log?.(`webhook secrets: ${errorMessage(err)}`);
    }
  };
  const scheduler = new SourceScheduler({
    client,
    reconciler,
    namespace: options.namespace,
    concurrency: options.concurrency,
    onResult: (ref, result) => {
      if (options.webhookPort !== undefined && !secrets.has(keyOf(ref))) void loadSecret(ref);
      options.onResult?.(ref, result);
    },
    log: options.log,
  });
  await scheduler.start();
  let webhook: WebhookServer | undefined;
  let refresher: NodeJS.Timeout | undefined;
  if (options.webhookPort !== undefined) {
    await refreshSecrets();
    refresher = setInterval(() => void refreshSecrets(), 30_000);
    refresher.unref();
    webhook = await startWebhookServer({
      port: options.webhookPort,
      host: options.webhookHost,
      has: (ref) => scheduler.has(ref),
      trigger: (ref) => {
        void scheduler.trigger(ref);
      },
      // A source not loaded yet can only be triggered with the shared secret.
      secretFor: (ref) => (secrets.has(keyOf(ref)) ? secrets.get(keyOf(ref)) : options.webhookSecret),
    });
  }
  return {
    client,
    scheduler,
    reconciler,
    webhook,
    async stop() {
      clearInterval(refresher);
      await webhook?.close();
      await scheduler.stop();
    },
  };
}
