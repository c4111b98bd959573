// The one Kubernetes client SemaMesh components use: built from a kubeconfig (file, string or
// in-cluster), it reads, lists, creates, deletes, server-side applies and patches status of any
// kind, and maps every failure to a coded K8sError.
import { readFileSync } from 'node:fs';
import {
  HttpMethod,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type RequestContext,
} from '@kubernetes/client-node';
import { K8sError, toK8sError } from './errors.js';
import type { ApplyOptions, KindRef, KubeObject, ListOptions, ObjectRef } from './types.js';
import { describeRef } from './types.js';

export interface KubeconfigSource {
  /** Path of a kubeconfig file. */
  kubeconfigPath?: string;
  /** Kubeconfig YAML text (tests, or a config mounted from a Secret). */
  kubeconfig?: string;
  /** Use the pod's service account (KUBERNETES_SERVICE_HOST + the mounted token). */
  inCluster?: boolean;
  /** Context to use instead of the current one. */
  context?: string;
}

/** REST facts about a kind, from API discovery. */
export interface ResourceInfo {
  plural: string;
  namespaced: boolean;
}

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Loads a kubeconfig. With no option: in-cluster when running in a pod, else `$KUBECONFIG` /
 * `~/.kube/config` — the order kubectl and controller-runtime use.
 */
export function loadKubeConfig(source: KubeconfigSource = {}): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (source.kubeconfig !== undefined) kc.loadFromString(source.kubeconfig);
    else if (source.kubeconfigPath !== undefined)
      kc.loadFromString(readFileSync(source.kubeconfigPath, 'utf8'));
    else if (source.inCluster) kc.loadFromCluster();
    else kc.loadFromDefault();
    if (source.context !== undefined) kc.setCurrentContext(source.context);
  } catch (err) {
    throw new K8sError('SM_ERR_K8S_CONFIG', `cannot load kubeconfig: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!kc.getCurrentCluster())
    throw new K8sError(
      'SM_ERR_K8S_CONFIG',
      source.inCluster
        ? `not running in a cluster (KUBERNETES_SERVICE_HOST unset or ${IN_CLUSTER_TOKEN} missing)`
        : 'the kubeconfig names no cluster for its current context',
    );
  return kc;
}

/**
 * KubernetesObjectApi resolves REST paths for any kind through discovery; this subclass exposes that
 * lookup and adds the status subresource, which the base class has no verb for.
 */
class DynamicApi extends KubernetesObjectApi {
  namespaceDefault(kc: KubeConfig): string {
    this.setDefaultNamespace(kc);
    return this.defaultNamespace;
  }

  async resourceInfo(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const r = await this.resource(apiVersion, kind);
    return r ? { plural: r.name, namespaced: r.namespaced } : undefined;
  }

  async patchSubresource(
    path: string,
    subresource: string,
    body: unknown,
    contentType: string,
    query: Record<string, string>,
  ): Promise<KubernetesObject> {
    const ctx: RequestContext = this.configuration.baseServer.makeRequestContext(
      `${path}/${subresource}`,
      HttpMethod.PATCH,
    );
    ctx.setHeaderParam('Accept', 'application/json, */*;q=0.8');
    ctx.setHeaderParam('Content-Type', contentType);
    for (const [k, v] of Object.entries(query)) ctx.setQueryParam(k, v);
    ctx.setBody(JSON.stringify(body));
    return this.requestPromise(ctx);
  }

  async getRaw(path: string): Promise<KubernetesObject> {
    const ctx = this.configuration.baseServer.makeRequestContext(path, HttpMethod.GET);
    ctx.setHeaderParam('Accept', 'application/json, */*;q=0.8');
    return this.requestPromise(ctx);
  }

  async postRaw(path: string, body: unknown): Promise<KubernetesObject> {
    const ctx = this.configuration.baseServer.makeRequestContext(path, HttpMethod.POST);
    ctx.setHeaderParam('Accept', 'application/json, */*;q=0.8');
    ctx.setHeaderParam('Content-Type', 'application/json');
    ctx.setBody(JSON.stringify(body));
    return this.requestPromise(ctx);
  }
}

/** Thin, typed access to the API server. Every method throws K8sError only. */
export class K8sClient {
  readonly kubeConfig: KubeConfig;
  /** The namespace of the kubeconfig's context (or the pod's), used when a ref names none. */
  readonly defaultNamespace: string;
  private readonly api: DynamicApi;

  constructor(kubeConfig: KubeConfig) {
    this.kubeConfig = kubeConfig;
    this.api = kubeConfig.makeApiClient(DynamicApi);
    this.defaultNamespace = this.api.namespaceDefault(kubeConfig);
  }

  static fromKubeconfig(source: KubeconfigSource = {}): K8sClient {
    return new K8sClient(loadKubeConfig(source));
  }

  /** The API server URL, for messages. */
  get server(): string {
    return this.kubeConfig.getCurrentCluster()?.server ?? '';
  }

  /** Plural and scope of a kind, from discovery (cached per apiVersion by the library). */
  async resourceInfo(kind: KindRef): Promise<ResourceInfo> {
    let info: ResourceInfo | undefined;
    try {
      info = await this.api.resourceInfo(kind.apiVersion, kind.kind);
    } catch (err) {
      throw toK8sError(err, `discover ${kind.apiVersion} ${kind.kind}`);
    }
    if (!info)
      throw new K8sError(
        'SM_ERR_K8S_NOT_FOUND',
        `the API server does not serve ${kind.kind} in ${kind.apiVersion}`,
        {
          status: 404,
        },
      );
    return info;
  }

  /** REST path of a collection (`/apis/g/v/namespaces/ns/plural`) or, with a name, of one object. */
  async pathOf(kind: KindRef, namespace?: string, name?: string): Promise<string> {
    const info = await this.resourceInfo(kind);
    const base = kind.apiVersion.includes('/') ? `/apis/${kind.apiVersion}` : `/api/${kind.apiVersion}`;
    const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${ns}/${info.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
  }

  private withNamespace<T extends ObjectRef>(ref: T): T {
    return ref.namespace ? ref : { ...ref, namespace: this.defaultNamespace };
  }

  private spec(ref: ObjectRef): KubernetesObject {
    const r = this.withNamespace(ref);
    return { apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name, namespace: r.namespace } };
  }

  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T> {
    try {
      return plain(await this.api.read(this.spec(ref) as never)) as T;
    } catch (err) {
      throw toK8sError(err, `get ${describeRef(ref)}`);
    }
  }

  /** Like get, but undefined when the object does not exist. */
  async find<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.get<T>(ref);
    } catch (err) {
      if (err instanceof K8sError && err.code === 'SM_ERR_K8S_NOT_FOUND') return undefined;
      throw err;
    }
  }

  /** Every object of a kind matching the selectors; follows `continue` tokens. */
  async list<T extends KubeObject = KubeObject>(kind: KindRef, options: ListOptions = {}): Promise<T[]> {
    return (await this.listWithVersion<T>(kind, options)).items;
  }

  /** list, plus the collection's resourceVersion (where a watch starts). */
  async listWithVersion<T extends KubeObject = KubeObject>(
    kind: KindRef,
    options: ListOptions = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let token: string | undefined;
    let resourceVersion = '';
    try {
      do {
        const page = await this.api.list(
          kind.apiVersion,
          kind.kind,
          options.namespace,
          undefined,
          undefined,
          undefined,
          options.fieldSelector,
          options.labelSelector,
          // No page size: client-node 1.4 drops `metadata.continue` when it deserializes a custom
          // kind's list, so a paged list would silently stop after the first page.
          undefined,
          token,
        );
        for (const item of page.items)
          items.push({ apiVersion: kind.apiVersion, kind: kind.kind, ...plain(item) } as T);
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
        // Typed lists carry `_continue`, raw JSON (custom kinds) `continue`.
        const meta = page.metadata as { _continue?: string; continue?: string } | undefined;
        token = meta?._continue || meta?.continue || undefined;
      } while (token);
    } catch (err) {
      throw toK8sError(err, `list ${kind.kind}${options.namespace ? ` in ${options.namespace}` : ''}`);
    }
    return { items, resourceVersion };
  }

  async create<T extends KubeObject>(obj: T, fieldManager?: string): Promise<T> {
    try {
      return plain(await this.api.create(obj as KubernetesObject, undefined, undefined, fieldManager)) as T;
    } catch (err) {
      throw toK8sError(err, `create ${describeRef(refOfObject(obj))}`);
    }
  }

  /** Deletes an object; true when it was deleted, false when it was already gone. */
  async delete(
    ref: ObjectRef,
    options: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' } = {},
  ): Promise<boolean> {
    try {
      await this.api.delete(
        this.spec(ref),
        undefined,
        undefined,
        undefined,
        undefined,
        options.propagationPolicy ?? 'Background',
      );
      return true;
    } catch (err) {
      const e = toK8sError(err, `delete ${describeRef(ref)}`);
      if (e.code === 'SM_ERR_K8S_NOT_FOUND') return false;
      throw e;
    }
  }

  /**
   * Server-side apply: the server merges the fields `obj` sets into the live object and records
   * `fieldManager` as their owner; fields left out that this manager owned before are removed.
   * With `force`, fields owned by others (a hand edit with kubectl) are taken back instead of
   * failing with a conflict.
   */
  async apply<T extends KubeObject>(obj: T, options: ApplyOptions): Promise<T> {
    const body = { ...obj, metadata: { ...obj.metadata } } as KubeObject;
    delete body.metadata.resourceVersion;
    delete body.metadata.managedFields;
    if (!body.metadata.namespace && (await this.resourceInfo(obj)).namespaced)
      body.metadata.namespace = this.defaultNamespace;
    try {
      const out = await this.api.patch(
        body as KubernetesObject,
        undefined,
        options.dryRun ? 'All' : undefined,
        options.fieldManager,
        options.force ?? false,
        PatchStrategy.ServerSideApply,
      );
      return plain(out) as T;
    } catch (err) {
      throw toK8sError(err, `apply ${describeRef(refOfObject(obj))}`);
    }
  }

  /** JSON merge patch of the object's main resource (labels, annotations, spec fields). */
  async mergePatch<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    patch: Record<string, unknown>,
  ): Promise<T> {
    const r = this.withNamespace(ref);
    const body = {
      apiVersion: r.apiVersion,
      kind: r.kind,
      ...patch,
      metadata: { ...(patch.metadata as object), name: r.name, namespace: r.namespace },
    };
    try {
      return plain(
        await this.api.patch(
          body as KubernetesObject,
          undefined,
          undefined,
          undefined,
          undefined,
          PatchStrategy.MergePatch,
        ),
      ) as T;
    } catch (err) {
      throw toK8sError(err, `patch ${describeRef(ref)}`);
    }
  }

  /**
   * Writes `status` through the status subresource. `merge` (default) sends a JSON merge patch of
   * `{status}` — lists such as `conditions` are replaced whole, so send the complete list. `apply`
   * uses server-side apply with the given field manager, so two writers can own different fields.
   */
  async patchStatus<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    status: unknown,
    options: { strategy?: 'merge' | 'apply'; fieldManager?: string; force?: boolean } = {},
  ): Promise<T> {
    const r = this.withNamespace(ref);
    const what = `patch status of ${describeRef(r)}`;
    const path = await this.pathOf(r, r.namespace, r.name);
    const apply = options.strategy === 'apply';
    const body = apply
      ? { apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name, namespace: r.namespace }, status }
      : { status };
    const query: Record<string, string> = {};
    if (options.fieldManager) query.fieldManager = options.fieldManager;
    if (apply && options.force) query.force = 'true';
    try {
      return plain(
        await this.api.patchSubresource(
          path,
          'status',
          body,
          apply ? PatchStrategy.ServerSideApply : PatchStrategy.MergePatch,
          query,
        ),
      ) as T;
    } catch (err) {
      throw toK8sError(err, what);
    }
  }

  /**
   * Creates a review (TokenReview, SubjectAccessReview): create-only kinds the API server answers
   * in the response body without storing anything, so no discovery or name is involved.
   */
  async review<T extends KubeObject>(review: T): Promise<T> {
    const plural = `${review.kind.toLowerCase()}s`;
    try {
      return plain(await this.api.postRaw(`/apis/${review.apiVersion}/${plural}`, review)) as T;
    } catch (err) {
      throw toK8sError(err, `create ${review.kind}`);
    }
  }

  /** GET of an arbitrary API path (discovery, `/version`); returns the parsed JSON. */
  async raw(path: string): Promise<unknown> {
    try {
      return plain(await this.api.getRaw(path));
    } catch (err) {
      throw toK8sError(err, `GET ${path}`);
    }
  }
}

function refOfObject(o: KubeObject | KubernetesObject): ObjectRef {
  return {
    apiVersion: o.apiVersion ?? '',
    kind: o.kind ?? '',
    name: o.metadata?.name ?? '',
    ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
  };
}

/**
 * The library turns known core kinds into model instances with Date fields; callers get plain JSON
 * (timestamps as RFC 3339 strings) whatever the kind, so objects compare and serialize the same way.
 */
export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
