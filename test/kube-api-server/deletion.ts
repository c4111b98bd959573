// Deletion as the real control plane carries it out: finalizers and deletionTimestamp, namespace
// and CRD termination (content first), and background garbage collection by ownerReferences.

import { isObject, meta } from './object-meta.js';
import type { ObjectStore } from './object-store.js';
import type { Registry } from './registry.js';
import type { KubeObject, ResourceType } from './resource-types.js';

const CRD_KEY = 'apiextensions.k8s.io/customresourcedefinitions';
const NS_KEY = '/namespaces';
const CRD_CLEANUP = 'customresourcecleanup.apiextensions.k8s.io';

function keyOf(type: ResourceType): string {
  return `${type.group}/${type.plural}`;
}

export class Deleter {
  constructor(
    private readonly registry: Registry,
    private readonly store: ObjectStore,
    private readonly now: () => string,
  ) {}

  /** Deletes now, or marks deleting while finalizers remain (generation bumps, like markAsDeleting). */
  deleteObject(
    type: ResourceType,
    obj: KubeObject,
    orphan: boolean,
  ): { deleted: boolean; object: KubeObject } {
    const m = meta(obj);
    const key = keyOf(type);
    if (key === NS_KEY || key === CRD_KEY) return this.deleteContainer(type, obj);
    if (((m.finalizers as unknown[] | undefined) ?? []).length > 0) {
      if (m.deletionTimestamp) return { deleted: false, object: obj };
      return { deleted: false, object: this.markDeleting(type, obj) };
    }
    return { deleted: true, object: this.remove(type, obj, orphan) };
  }

  private markDeleting(type: ResourceType, obj: KubeObject): KubeObject {
    const m = meta(obj);
    if (typeof m.generation === 'number' && m.generation > 0) m.generation += 1;
    m.deletionTimestamp = this.now();
    m.deletionGracePeriodSeconds = 0;
    return this.store.write(type.storage.group, type.storage.plural, obj);
  }

  /** Namespaces and CRDs: mark terminating, delete what they contain, finish when empty. */
  private deleteContainer(type: ResourceType, obj: KubeObject): { deleted: boolean; object: KubeObject } {
    const m = meta(obj);
    const isNs = keyOf(type) === NS_KEY;
    if (!m.deletionTimestamp) {
      if (isNs) obj.status = { ...(isObject(obj.status) ? obj.status : {}), phase: 'Terminating' };
      else m.finalizers = [...new Set([...((m.finalizers as string[]) ?? []), CRD_CLEANUP])];
      obj = this.markDeleting(type, obj);
    }
    if (isNs) {
      for (const { key, object } of this.store.inNamespace(String(m.name))) {
        const [group, plural] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
        const t = this.registry.byKey(group, plural);
        if (t) this.deleteObject(t, object, false);
      }
    } else {
      const spec = obj.spec as Record<string, unknown>;
      const group = String(spec.group);
      const plural = String((spec.names as Record<string, unknown>).plural);
      const t = this.registry.byKey(group, plural);
      if (t) for (const o of this.store.list(group, plural)) this.deleteObject(t, o, false);
    }
    const finished = isNs ? this.finishNamespace(String(m.name)) : this.finishCrd(String(m.name));
    return finished
      ? { deleted: true, object: finished }
      : {
          deleted: false,
          object: this.store.get(type.storage.group, type.storage.plural, '', String(m.name)) ?? obj,
        };
  }

  private finishNamespace(name: string): KubeObject | undefined {
    const ns = this.store.get('', 'namespaces', '', name);
    if (!ns || !meta(ns).deletionTimestamp || ((meta(ns).finalizers as unknown[]) ?? []).length > 0)
      return undefined;
    if (this.store.inNamespace(name).length > 0) return undefined;
    return this.store.remove('', 'namespaces', '', name);
  }

  private finishCrd(name: string): KubeObject | undefined {
    const crd = this.store.get('apiextensions.k8s.io', 'customresourcedefinitions', '', name);
    if (!crd || !meta(crd).deletionTimestamp) return undefined;
    const spec = crd.spec as Record<string, unknown>;
    const group = String(spec.group);
    const plural = String((spec.names as Record<string, unknown>).plural);
    if (this.store.list(group, plural).length > 0) return undefined;
    const rest = ((meta(crd).finalizers as string[]) ?? []).filter((f) => f !== CRD_CLEANUP);
    if (rest.length > 0) {
      meta(crd).finalizers = rest;
      this.store.write('apiextensions.k8s.io', 'customresourcedefinitions', crd);
      return undefined;
    }
    this.registry.remove(group, plural);
    return this.store.remove('apiextensions.k8s.io', 'customresourcedefinitions', '', name);
  }

  /** Removes from the store, then collects dependents and finishes terminating containers. */
  remove(type: ResourceType, obj: KubeObject, orphan: boolean): KubeObject {
    const m = meta(obj);
    const ns = String(m.namespace ?? '');
    const removed = this.store.remove(type.storage.group, type.storage.plural, ns, String(m.name)) ?? obj;
    if (keyOf(type) === CRD_KEY) {
      const spec = obj.spec as Record<string, unknown>;
      this.registry.remove(String(spec.group), String((spec.names as Record<string, unknown>).plural));
    }
    if (!orphan) this.collectDependents(String(m.uid));
    if (ns) this.finishNamespace(ns);
    if (type.crdName) this.finishCrd(type.crdName);
    return removed;
  }

  /** Background garbage collection: dependents whose owners are all gone are deleted. */
  private collectDependents(uid: string): void {
    const all = this.store.allObjects();
    const live = new Set(all.map(({ object }) => String(object.metadata?.uid)));
    for (const { key, object } of all) {
      const refs = object.metadata?.ownerReferences;
      if (!Array.isArray(refs) || !refs.some((r) => isObject(r) && r.uid === uid)) continue;
      if (refs.some((r) => isObject(r) && live.has(String(r.uid)))) continue;
      const slash = key.indexOf('/');
      const t = this.registry.byKey(key.slice(0, slash), key.slice(slash + 1));
      const current =
        t &&
        this.store.get(
          t.group,
          t.plural,
          String(object.metadata?.namespace ?? ''),
          String(object.metadata?.name),
        );
      if (t && current && !meta(current).deletionTimestamp) this.deleteObject(t, current, false);
    }
  }
}
