// The server's etcd: objects by kind and namespace/name, one global resourceVersion counter, and a
// bounded history of change events that watches replay from (older versions answer 410 Gone).
import { typeKey } from './registry.js';
import type { KubeObject } from './resource-types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  rv: number;
  type: WatchEventType;
  /** `group/plural` */
  key: string;
  namespace: string;
  object: KubeObject;
  /** The object before this change, so selector watches can turn a change into ADDED/DELETED. */
  previous: KubeObject | undefined;
}

export interface Subscriber {
  key: string;
  /** Only events of this namespace; undefined for all. */
  namespace: string | undefined;
  onEvent(event: StoredEvent): void;
}

function objectId(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function metaOf(obj: KubeObject): Record<string, unknown> {
  if (!obj.metadata) obj.metadata = {};
  return obj.metadata;
}

export class ObjectStore {
  private rv: number;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private history: StoredEvent[] = [];
  /** Watches may start at any version ≥ this one; older ones are gone. */
  private compactedRv: number;
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly historySize: number) {
    this.rv = 1;
    this.compactedRv = this.rv;
  }

  /** The latest resourceVersion, as lists report it. */
  get resourceVersion(): string {
    return String(this.rv);
  }

  get oldestResourceVersion(): string {
    return String(this.compactedRv);
  }

  /** A copy of the stored object, safe to change. */
  get(group: string, plural: string, namespace: string, name: string): KubeObject | undefined {
    const obj = this.objects.get(typeKey(group, plural))?.get(objectId(namespace, name));
    return obj ? structuredClone(obj) : undefined;
  }

  /** Copies, ordered by namespace then name (the order etcd keys give). */
  list(group: string, plural: string, namespace?: string): KubeObject[] {
    const bucket = this.objects.get(typeKey(group, plural));
    if (!bucket) return [];
    const ids = [...bucket.keys()].sort();
    const out: KubeObject[] = [];
    for (const id of ids) {
      const obj = bucket.get(id)!;
      if (namespace !== undefined && (obj.metadata?.namespace ?? '') !== namespace) continue;
      out.push(structuredClone(obj));
    }
    return out;
  }

  /** Every namespaced object in a namespace, of every kind. */
  inNamespace(namespace: string): { key: string; object: KubeObject }[] {
    const out: { key: string; object: KubeObject }[] = [];
    for (const [key, bucket] of this.objects)
      for (const obj of bucket.values())
        if (obj.metadata?.namespace === namespace) out.push({ key, object: structuredClone(obj) });
    return out;
  }

  /** Every stored object, of every kind, for garbage collection. */
  allObjects(): { key: string; object: KubeObject }[] {
    const out: { key: string; object: KubeObject }[] = [];
    for (const [key, bucket] of this.objects)
      for (const obj of bucket.values()) out.push({ key, object: obj });
    return out;
  }

  /** Stores a new or changed object under a fresh resourceVersion and tells the watchers. */
  write(group: string, plural: string, obj: KubeObject): KubeObject {
    const key = typeKey(group, plural);
    const meta = metaOf(obj);
    const namespace = String(meta.namespace ?? '');
    const id = objectId(namespace, String(meta.name));
    let bucket = this.objects.get(key);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(key, bucket);
    }
    const previous = bucket.get(id);
    this.rv++;
    const stored = structuredClone(obj);
    metaOf(stored).resourceVersion = String(this.rv);
    bucket.set(id, stored);
    this.record({
      rv: this.rv,
      type: previous ? 'MODIFIED' : 'ADDED',
      key,
      namespace,
      object: stored,
      previous,
    });
    return structuredClone(stored);
  }

  /** Deletes an object; the DELETED event carries the deletion's resourceVersion, as etcd's does. */
  remove(group: string, plural: string, namespace: string, name: string): KubeObject | undefined {
    const key = typeKey(group, plural);
    const bucket = this.objects.get(key);
    const previous = bucket?.get(objectId(namespace, name));
    if (!bucket || !previous) return undefined;
    bucket.delete(objectId(namespace, name));
    this.rv++;
    const gone = structuredClone(previous);
    metaOf(gone).resourceVersion = String(this.rv);
    this.record({ rv: this.rv, type: 'DELETED', key, namespace, object: gone, previous });
    return structuredClone(gone);
  }

  private record(event: StoredEvent): void {
    this.history.push(event);
    if (this.history.length > this.historySize) {
      const dropped = this.history.splice(0, this.history.length - this.historySize);
      this.compactedRv = dropped[dropped.length - 1]!.rv;
    }
    for (const s of [...this.subscribers]) {
      if (s.key === event.key && (s.namespace === undefined || s.namespace === event.namespace))
        s.onEvent(event);
    }
  }

  /**
   * Events of one kind after `rv`, or undefined when some of them were already compacted away
   * (the caller answers 410 Gone).
   */
  eventsSince(key: string, namespace: string | undefined, rv: number): StoredEvent[] | undefined {
    if (rv < this.compactedRv) return undefined;
    return this.history.filter(
      (e) => e.rv > rv && e.key === key && (namespace === undefined || e.namespace === namespace),
    );
  }

  subscribe(s: Subscriber): () => void {
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  /** Forgets all history: watches from any older resourceVersion now get 410 Gone. */
  compact(): void {
    this.history = [];
    this.compactedRv = this.rv;
  }
}
