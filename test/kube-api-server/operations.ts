// The write and read verbs (create, get, list, update, patch, apply, delete, deletecollection) with
// the real server's semantics: optimistic concurrency, status subresource isolation, generation,
// finalizers, namespace and CRD lifecycles, owner-reference garbage collection, managedFields.
import { parse as parseYaml } from 'yaml';
import { type CustomResourceType, crdResourceType, establishedStatus, validateCrd } from './crd.js';
import { Deleter } from './deletion.js';
import {
  describePath,
  fieldMap,
  type ManagedFieldsEntry,
  type OwnershipChange,
  readEntries,
  recordUpdate,
  serverSideApply,
} from './managed-fields.js';
import {
  apiVersionOf,
  canonicalJson,
  generateName,
  isObject,
  meta,
  newUid,
  prepareBuiltin,
  present,
  resetStatusOnCreate,
  specPart,
  timestamp,
  validateMeta,
} from './object-meta.js';
import type { ObjectStore } from './object-store.js';
import { jsonPatch, mergePatch, strategic } from './patch.js';
import type { Registry } from './registry.js';
import type { KubeObject, ResourceType } from './resource-types.js';
import { selectorMatcher } from './selectors.js';
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  gone,
  invalid,
  methodNotAllowed,
  notFound,
  STALE_OBJECT,
  type StatusCause,
  successStatus,
  unsupportedMediaType,
} from './status.js';

/** A request resolved to a kind and (for item paths) an object. */
export interface Target {
  type: ResourceType;
  version: string;
  /** '' for cluster-scoped kinds and for lists across all namespaces. */
  namespace: string;
  name: string | undefined;
  subresource: string | undefined;
  query: URLSearchParams;
  userAgent: string;
}

export interface Reply {
  status: number;
  body: unknown;
}

export interface OperationOptions {
  now: () => Date;
  /** Strategic merge patch on custom resources: 415 like the real server, or treated as merge patch. */
  strategicMergeOnCustomResources: 'reject' | 'merge';
}

const CRD_KEY = 'apiextensions.k8s.io/customresourcedefinitions';

type Part = 'main' | 'status' | 'all';

function keyOf(type: ResourceType): string {
  return `${type.group}/${type.plural}`;
}

function partOf(type: ResourceType, subresource: string | undefined): Part {
  if (subresource === 'status') return 'status';
  return type.statusSubresource ? 'main' : 'all';
}

/** Identity for no-op detection: managedFields count, their timestamps do not. */
function comparable(obj: KubeObject): string {
  const copy = structuredClone(obj);
  const m = meta(copy);
  if (Array.isArray(m.managedFields))
    m.managedFields = m.managedFields.map((e) => ({ ...e, time: undefined }));
  return canonicalJson(copy);
}

function setOrDelete(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

export class Operations {
  private readonly deleter: Deleter;

  constructor(
    private readonly registry: Registry,
    private readonly store: ObjectStore,
    private readonly options: OperationOptions,
  ) {
    this.deleter = new Deleter(registry, store, () => this.now());
  }

  private now(): string {
    return timestamp(this.options.now());
  }

  private live(t: Target): KubeObject {
    const obj = this.store.get(t.type.storage.group, t.type.storage.plural, t.namespace, t.name!);
    if (!obj) throw notFound(t.type.group, t.type.plural, t.name!);
    return obj;
  }

  private manager(t: Target): string {
    const fromQuery = t.query.get('fieldManager');
    if (fromQuery) return fromQuery;
    // The real server names an unnamed writer after its User-Agent up to the first '/'.
    return t.userAgent.split('/')[0] || 'unknown';
  }

  private change(t: Target, operation: 'Apply' | 'Update'): OwnershipChange {
    return {
      manager: this.manager(t),
      operation,
      apiVersion: apiVersionOf(t.type.group, t.version),
      subresource: t.subresource,
      time: this.now(),
    };
  }

  private dryRun(t: Target): boolean {
    return t.query.getAll('dryRun').includes('All');
  }

  private out(t: Target, obj: KubeObject, withTypeMeta = true): KubeObject {
    return present(t.type.convert ? t.type.convert.fromStorage(obj) : obj, t.type, t.version, withTypeMeta);
  }

  /** The body as an object of this kind; apiVersion/kind must match when given (always, for CRs). */
  private decode(t: Target, body: unknown): KubeObject {
    if (!isObject(body)) throw badRequest('the body of the request was not a JSON object');
    const obj = body as KubeObject;
    const expected = apiVersionOf(t.type.group, t.version);
    if (t.type.custom && (!obj.apiVersion || !obj.kind))
      throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body).slice(0, 200)}'`);
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected)
      throw badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`,
      );
    if (obj.kind !== undefined && obj.kind !== t.type.kind)
      throw badRequest(
        `the kind in the data (${obj.kind}) does not match the expected kind (${t.type.kind})`,
      );
    obj.apiVersion = expected;
    obj.kind = t.type.kind;
    return t.type.convert ? t.type.convert.toStorage(obj) : obj;
  }

  private checkNamespace(t: Target, obj: KubeObject): void {
    const m = meta(obj);
    if (!t.type.namespaced) {
      delete m.namespace;
      return;
    }
    if (m.namespace !== undefined && m.namespace !== '' && m.namespace !== t.namespace)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    m.namespace = t.namespace;
  }

  private checkNamespaceWritable(t: Target): void {
    if (!t.type.namespaced) return;
    const ns = this.store.get('', 'namespaces', '', t.namespace);
    if (!ns) throw notFound('', 'namespaces', t.namespace);
    if (meta(ns).deletionTimestamp)
      throw forbidden(
        `${t.type.plural} "${String(meta(ns).name)}" is forbidden: unable to create new content in namespace ${t.namespace} because it is being terminated`,
      );
  }

  /** Pruning, defaulting and validation; throws 422 with every cause found. */
  private admit(t: Target, obj: KubeObject, creating: boolean): void {
    const causes: StatusCause[] = validateMeta(t.type, obj);
    if (t.type.custom) {
      const schema = (t.type as CustomResourceType).schemas.get(t.version);
      if (schema) {
        const unknown = schema.prune(obj);
        // Strict field validation turns what would be pruned into a 400, as the real server does.
        if (unknown.length > 0 && t.query.get('fieldValidation') === 'Strict')
          throw badRequest(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
        schema.applyDefaults(obj);
        causes.push(...schema.validate(obj));
      }
    } else causes.push(...prepareBuiltin(t.type, obj, creating));
    if (keyOf(t.type) === CRD_KEY) causes.push(...validateCrd(obj));
    if (causes.length > 0) throw invalid(t.type.group, t.type.kind, String(meta(obj).name ?? ''), causes);
  }

  get(t: Target): Reply {
    return { status: 200, body: this.out(t, this.live(t)) };
  }

  list(t: Target): Reply {
    const match = selectorMatcher(
      t.query.get('labelSelector') ?? undefined,
      t.query.get('fieldSelector') ?? undefined,
      t.type,
    );
    const rv = this.store.resourceVersion;
    let items = this.store
      .list(t.type.storage.group, t.type.storage.plural, t.namespace || undefined)
      .filter(match);
    const cont = t.query.get('continue');
    if (cont) {
      let token: { rv: number; start: string };
      try {
        token = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8'));
      } catch {
        throw badRequest('continue key is not valid: illegal base64 data');
      }
      if (token.rv < Number(this.store.oldestResourceVersion))
        throw gone(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      items = items.filter((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name}` > token.start);
    }
    const limit = Number(t.query.get('limit') ?? 0);
    const metadata: Record<string, unknown> = { resourceVersion: rv };
    if (limit > 0 && items.length > limit) {
      const last = items[limit - 1]!;
      const start = `${last.metadata?.namespace ?? ''}/${last.metadata?.name}`;
      metadata.continue = Buffer.from(JSON.stringify({ rv: Number(rv), start })).toString('base64url');
      metadata.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
    return {
      status: 200,
      body: {
        kind: t.type.listKind,
        apiVersion: apiVersionOf(t.type.group, t.version),
        metadata,
        // Typed lists of built-ins carry no per-item apiVersion/kind; unstructured CR lists do.
        items: items.map((o) => this.out(t, o, t.type.custom)),
      },
    };
  }

  create(t: Target, body: unknown): Reply {
    if (t.name !== undefined) throw methodNotAllowed();
    const obj = this.decode(t, body);
    const m = meta(obj);
    if (m.resourceVersion)
      throw new ApiError(500, 'InternalError', 'resourceVersion should not be set on objects to be created');
    const entries = recordUpdate(
      [],
      new Map(),
      fieldMap(obj, t.type.listStrategy, partOf(t.type, undefined)),
      this.change(t, 'Update'),
    );
    return this.createObject(t, obj, entries);
  }

  private createObject(t: Target, obj: KubeObject, entries: ManagedFieldsEntry[]): Reply {
    const m = meta(obj);
    if (!m.name && typeof m.generateName === 'string' && m.generateName)
      m.name = generateName(m.generateName);
    this.checkNamespace(t, obj);
    this.checkNamespaceWritable(t);
    resetStatusOnCreate(t.type, obj);
    for (const k of [
      'uid',
      'resourceVersion',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'generation',
      'selfLink',
    ])
      delete m[k];
    this.admit(t, obj, true);
    const name = String(m.name);
    if (this.store.get(t.type.storage.group, t.type.storage.plural, t.namespace, name))
      throw alreadyExists(t.type.group, t.type.plural, name);
    m.uid = newUid();
    m.creationTimestamp = this.now();
    if (t.type.hasGeneration) m.generation = 1;
    if (entries.length > 0) m.managedFields = entries;
    else delete m.managedFields;
    if (keyOf(t.type) === CRD_KEY) obj.status = establishedStatus(obj, this.now());
    if (this.dryRun(t)) return { status: 201, body: this.out(t, obj) };
    const stored = this.store.write(t.type.storage.group, t.type.storage.plural, obj);
    if (keyOf(t.type) === CRD_KEY) this.registry.add(crdResourceType(stored));
    return { status: 201, body: this.out(t, stored) };
  }

  update(t: Target, body: unknown): Reply {
    if (t.name === undefined) throw methodNotAllowed();
    const obj = this.decode(t, body);
    const m = meta(obj);
    if (m.name !== t.name)
      throw badRequest(
        `the name of the object (${String(m.name ?? '')}) does not match the name on the URL (${t.name})`,
      );
    this.checkNamespace(t, obj);
    const old = this.live(t);
    const oldRv = meta(old).resourceVersion;
    if (m.resourceVersion !== undefined && m.resourceVersion !== '') {
      if (m.resourceVersion !== oldRv) throw conflict(t.type.group, t.type.plural, t.name, STALE_OBJECT);
    } else if (!t.type.allowUnconditionalUpdate) {
      throw invalid(t.type.group, t.type.kind, t.name, [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: 0x0: must be specified for an update',
          field: 'metadata.resourceVersion',
        },
      ]);
    }
    return this.commit(t, old, obj, undefined);
  }

  /** The common end of update, patch and apply on an existing object. */
  private commit(
    t: Target,
    old: KubeObject,
    next: KubeObject,
    applyEntries: ManagedFieldsEntry[] | undefined,
  ): Reply {
    const type = t.type;
    const om = meta(old);
    if (t.subresource === 'status') {
      // A status write changes status and nothing else (ResetObjectMetaForStatus).
      const n = structuredClone(old);
      setOrDelete(n, 'status', next.status);
      next = n;
    } else {
      if (type.statusSubresource) setOrDelete(next, 'status', structuredClone(old.status));
      const nm = meta(next);
      for (const k of [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
        'name',
        'namespace',
      ])
        setOrDelete(nm, k, om[k]);
      if (om.deletionTimestamp) {
        const before = new Set((om.finalizers as string[] | undefined) ?? []);
        if (((nm.finalizers as string[] | undefined) ?? []).some((f) => !before.has(f)))
          throw invalid(type.group, type.kind, String(om.name), [
            {
              reason: 'FieldValueForbidden',
              message: 'Forbidden: no new finalizers can be added if the object is being deleted',
              field: 'metadata.finalizers',
            },
          ]);
      }
    }
    const nm = meta(next);
    nm.resourceVersion = om.resourceVersion;
    this.admit(t, next, false);
    if (type.hasGeneration && specPart(type, old) !== specPart(type, next))
      nm.generation = Number(om.generation ?? 0) + 1;
    const part = partOf(type, t.subresource);
    const entries =
      applyEntries ??
      recordUpdate(
        readEntries(om),
        fieldMap(old, type.listStrategy, part),
        fieldMap(next, type.listStrategy, part),
        this.change(t, 'Update'),
      );
    if (entries.length > 0) nm.managedFields = entries;
    else delete nm.managedFields;
    // A write that changes nothing is not stored: no new resourceVersion, no watch event.
    if (comparable(old) === comparable(next)) return { status: 200, body: this.out(t, old) };
    if (this.dryRun(t)) return { status: 200, body: this.out(t, next) };
    if (nm.deletionTimestamp && ((nm.finalizers as unknown[] | undefined) ?? []).length === 0) {
      this.deleter.remove(type, next, false);
      return { status: 200, body: this.out(t, next) };
    }
    const stored = this.store.write(type.storage.group, type.storage.plural, next);
    if (keyOf(type) === CRD_KEY && !nm.deletionTimestamp) this.registry.add(crdResourceType(stored));
    return { status: 200, body: this.out(t, stored) };
  }

  patch(t: Target, contentType: string, raw: string): Reply {
    if (t.name === undefined) throw methodNotAllowed();
    const ct = contentType.split(';')[0]!.trim().toLowerCase();
    if (ct === 'application/apply-patch+yaml') return this.apply(t, raw);
    if (t.query.get('force') === 'true')
      throw invalid('meta.k8s.io', 'PatchOptions', '', [
        {
          reason: 'FieldValueForbidden',
          message: 'Forbidden: may not be specified for non-apply patch',
          field: 'force',
        },
      ]);
    const known = [
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ];
    if (!known.includes(ct)) throw unsupportedMediaType(ct);
    let doc: unknown;
    try {
      doc = JSON.parse(raw);
    } catch (err) {
      throw badRequest(`error decoding patch: ${(err as Error).message}`);
    }
    const old = this.live(t);
    const base = this.out(t, old);
    let patched: unknown;
    switch (ct) {
      case 'application/json-patch+json':
        patched = jsonPatch(base, doc);
        break;
      case 'application/merge-patch+json':
        if (!isObject(doc)) throw badRequest('merge patch must be a JSON object');
        patched = mergePatch(base, doc);
        break;
      case 'application/strategic-merge-patch+json':
        if (!isObject(doc)) throw badRequest('strategic merge patch must be a JSON object');
        if (t.type.custom && this.options.strategicMergeOnCustomResources === 'reject')
          throw unsupportedMediaType(ct);
        patched = t.type.custom ? mergePatch(base, doc) : strategic(base, doc, [], t.type.listStrategy);
        break;
      default:
        throw unsupportedMediaType(ct);
    }
    if (!isObject(patched)) throw badRequest('the patch did not produce an object');
    const pm = meta(patched as KubeObject);
    if (pm.resourceVersion !== undefined && pm.resourceVersion !== meta(old).resourceVersion)
      throw conflict(t.type.group, t.type.plural, t.name, STALE_OBJECT);
    if (pm.name !== t.name)
      throw badRequest(
        `the name of the object (${String(pm.name ?? '')}) does not match the name on the URL (${t.name})`,
      );
    return this.commit(t, old, this.decode(t, patched), undefined);
  }

  private apply(t: Target, raw: string): Reply {
    const manager = t.query.get('fieldManager');
    if (!manager)
      throw invalid('meta.k8s.io', 'PatchOptions', '', [
        {
          reason: 'FieldValueRequired',
          message: 'Required value: is required for apply patch',
          field: 'fieldManager',
        },
      ]);
    let doc: unknown;
    try {
      doc = parseYaml(raw);
    } catch (err) {
      throw badRequest(`error decoding YAML: ${(err as Error).message}`);
    }
    if (!isObject(doc) || !doc.apiVersion || !doc.kind)
      throw badRequest(`Object 'Kind' is missing in '${raw.slice(0, 200)}'`);
    const applied = this.decode(t, doc);
    const am = meta(applied);
    if (am.name !== undefined && am.name !== t.name)
      throw badRequest(
        `the name of the object (${String(am.name)}) does not match the name on the URL (${t.name})`,
      );
    am.name = t.name;
    this.checkNamespace(t, applied);
    const old = this.store.get(t.type.storage.group, t.type.storage.plural, t.namespace, t.name!);
    if (old && am.resourceVersion !== undefined && am.resourceVersion !== meta(old).resourceVersion)
      throw conflict(t.type.group, t.type.plural, t.name!, STALE_OBJECT);
    delete am.managedFields;
    const force = t.query.get('force') === 'true';
    const part = partOf(t.type, t.subresource);
    const change = this.change(t, 'Apply');
    const result = serverSideApply(
      old,
      applied,
      readEntries(old ? meta(old) : undefined),
      t.type.listStrategy,
      part,
      change,
      force,
    );
    if (result.conflicts.length > 0) {
      const n = result.conflicts.length;
      const causes = result.conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with "${c.manager}" using ${c.apiVersion}`,
        field: describePath(c.path),
      }));
      const message =
        n === 1
          ? `Apply failed with 1 conflict: ${causes[0]!.message}: ${causes[0]!.field}`
          : `Apply failed with ${n} conflicts: ${causes.map((c) => `${c.message}: ${c.field}`).join('\n')}`;
      throw new ApiError(409, 'Conflict', message, { causes });
    }
    if (!old) {
      if (t.subresource) throw notFound(t.type.group, t.type.plural, t.name!);
      return this.createObject(t, result.object as KubeObject, result.entries);
    }
    return this.commit(t, old, result.object as KubeObject, result.entries);
  }

  delete(t: Target, body: unknown): Reply {
    if (t.name === undefined) return this.deleteCollection(t);
    const old = this.live(t);
    const options = isObject(body) ? body : {};
    const pre = isObject(options.preconditions) ? options.preconditions : {};
    const om = meta(old);
    if (pre.uid !== undefined && pre.uid !== om.uid)
      throw conflict(
        t.type.group,
        t.type.plural,
        t.name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${om.uid}`,
      );
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== om.resourceVersion)
      throw conflict(
        t.type.group,
        t.type.plural,
        t.name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${om.resourceVersion}`,
      );
    if (this.dryRun(t)) return { status: 200, body: this.out(t, old) };
    const policy = options.propagationPolicy ?? t.query.get('propagationPolicy');
    const orphan = policy === 'Orphan' || options.orphanDependents === true;
    const result = this.deleter.deleteObject(t.type, old, orphan);
    // Like genericregistry.Store: a finished delete answers a Success Status, except for kinds
    // whose storage sets ReturnDeletedObject (pods).
    if (result.deleted && t.type.plural !== 'pods')
      return {
        status: 200,
        body: successStatus({
          name: t.name,
          group: t.type.group || undefined,
          kind: t.type.plural,
          uid: String(om.uid),
        }),
      };
    return { status: 200, body: this.out(t, result.object) };
  }

  private deleteCollection(t: Target): Reply {
    const match = selectorMatcher(
      t.query.get('labelSelector') ?? undefined,
      t.query.get('fieldSelector') ?? undefined,
      t.type,
    );
    const items = this.store
      .list(t.type.storage.group, t.type.storage.plural, t.namespace || undefined)
      .filter(match);
    if (!this.dryRun(t)) for (const obj of items) this.deleter.deleteObject(t.type, obj, false);
    return {
      status: 200,
      body: {
        kind: t.type.listKind,
        apiVersion: apiVersionOf(t.type.group, t.version),
        metadata: { resourceVersion: this.store.resourceVersion },
        items: items.map((o) => this.out(t, o, t.type.custom)),
      },
    };
  }
}
