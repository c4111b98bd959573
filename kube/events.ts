// Records Kubernetes Events (core v1, the kind `kubectl describe` shows) about our objects, with
// client-go's habit of counting repeats instead of creating a new Event each time.
import { randomBytes } from 'node:crypto';
import type { K8sClient } from './client.js';
import { isK8sError } from './errors.js';
import type { KubeObject } from './types.js';

export type EventType = 'Normal' | 'Warning';

export interface RecordedEvent {
  type: EventType;
  reason: string;
  message: string;
  object: { kind: string; name: string; namespace?: string };
}

export interface EventRecorderOptions {
  /** `source.component` / `reportingComponent`, e.g. `semamesh-gitops`. */
  component: string;
  /** `reportingInstance`: the pod or host name. */
  instance?: string;
  /** Repeats of the same event within this window bump `count` instead of creating an Event. */
  aggregateMs?: number;
  /** Called for every event (also when writing it failed): logs, tests. */
  onEvent?: (event: RecordedEvent) => void;
}

interface Series {
  name: string;
  namespace: string;
  count: number;
  first: string;
  lastAt: number;
}

const MAX_MESSAGE = 1024;

/**
 * Events are best effort, as in client-go: a failure to record never fails the reconcile that
 * reported it; it goes to `onEvent` and the error is swallowed.
 */
export class EventRecorder {
  private readonly series = new Map<string, Series>();
  private readonly aggregateMs: number;

  constructor(
    private readonly client: K8sClient,
    private readonly options: EventRecorderOptions,
  ) {
    this.aggregateMs = options.aggregateMs ?? 10 * 60_000;
  }

  async event(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const meta = object.metadata;
    const namespace = meta.namespace ?? 'default';
    const msg = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
    this.options.onEvent?.({
      type,
      reason,
      message: msg,
      object: { kind: object.kind, name: meta.name, namespace },
    });
    const key = `${meta.uid ?? `${namespace}/${meta.name}`}\u0000${type}\u0000${reason}\u0000${msg}`;
    const now = new Date();
    const stamp = `${now.toISOString().slice(0, 19)}Z`;
    const prev = this.series.get(key);
    try {
      if (prev && now.getTime() - prev.lastAt < this.aggregateMs) {
        prev.count++;
        prev.lastAt = now.getTime();
        await this.client.mergePatch(
          { apiVersion: 'v1', kind: 'Event', name: prev.name, namespace: prev.namespace },
          { count: prev.count, lastTimestamp: stamp },
        );
        return;
      }
      const name = `${meta.name}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`;
      await this.client.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: meta.name,
          namespace: meta.namespace,
          uid: meta.uid,
          resourceVersion: meta.resourceVersion,
        },
        type,
        reason,
        message: msg,
        count: 1,
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        source: { component: this.options.component },
        reportingComponent: this.options.component,
        reportingInstance: this.options.instance ?? this.options.component,
      });
      this.series.set(key, { name, namespace, count: 1, first: stamp, lastAt: now.getTime() });
      if (this.series.size > 4096) this.series.delete(this.series.keys().next().value as string);
    } catch (err) {
      // A deleted Event (TTL) breaks the series; the next repeat starts a new one.
      if (isK8sError(err, 'SM_ERR_K8S_NOT_FOUND')) this.series.delete(key);
    }
  }

  normal(object: KubeObject, reason: string, message: string): Promise<void> {
    return this.event(object, 'Normal', reason, message);
  }

  warning(object: KubeObject, reason: string, message: string): Promise<void> {
    return this.event(object, 'Warning', reason, message);
  }
}
