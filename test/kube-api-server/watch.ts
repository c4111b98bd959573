// Watch streams: newline-delimited JSON events replayed from the store's history after the asked
// resourceVersion (410 Gone when it was compacted away), then live, filtered by selectors, with
// bookmarks and timeouts, ended cleanly so client informers reconnect.
import type { ServerResponse } from 'node:http';
import { apiVersionOf, present } from './object-meta.js';
import type { ObjectStore, StoredEvent } from './object-store.js';
import type { Target } from './operations.js';
import { typeKey } from './registry.js';
import type { KubeObject } from './resource-types.js';
import { selectorMatcher } from './selectors.js';
import { badRequest, gone } from './status.js';

export interface WatchOptions {
  bookmarkIntervalMs: number;
  /** Used when the client gives no timeoutSeconds. */
  defaultTimeoutSeconds: number;
}

export interface ActiveWatch {
  /** Ends the stream cleanly, as the server does when a watch times out. */
  end(): void;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Checks parameters before the 200 header goes out; afterwards, failures are ERROR events. */
export function parseWatchStart(t: Target): number | undefined {
  const rv = t.query.get('resourceVersion');
  if (!rv || rv === '0') return undefined;
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${rv}`);
  return Number(rv);
}

export function startWatch(
  t: Target,
  res: ServerResponse,
  store: ObjectStore,
  options: WatchOptions,
  onEnd: (w: ActiveWatch) => void,
): ActiveWatch {
  const match = selectorMatcher(
    t.query.get('labelSelector') ?? undefined,
    t.query.get('fieldSelector') ?? undefined,
    t.type,
  );
  const since = parseWatchStart(t);
  const namespace = t.namespace || undefined;
  const key = typeKey(t.type.storage.group, t.type.storage.plural);
  const bookmarks = t.query.get('allowWatchBookmarks') === 'true';
  const sendInitial = t.query.get('sendInitialEvents') === 'true';
  const timeoutSeconds = Number(t.query.get('timeoutSeconds') ?? options.defaultTimeoutSeconds);

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  // Watches are long-lived; headers go out now so the client sees the stream open.
  res.flushHeaders();

  let ended = false;
  const send = (type: EventType, object: unknown): void => {
    if (!ended) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const sendObject = (type: EventType, obj: KubeObject): void =>
    send(type, present(t.type.convert ? t.type.convert.fromStorage(obj) : obj, t.type, t.version));
  const bookmark = (annotations?: Record<string, string>): void => {
    const metadata: Record<string, unknown> = { resourceVersion: store.resourceVersion };
    if (annotations) metadata.annotations = annotations;
    send('BOOKMARK', { kind: t.type.kind, apiVersion: apiVersionOf(t.type.group, t.version), metadata });
  };
  // A change that moves an object into or out of the selector reads as ADDED or DELETED.
  const translate = (e: StoredEvent): void => {
    const now = match(e.object);
    const before = e.previous !== undefined && match(e.previous);
    if (e.type === 'ADDED' && now) sendObject('ADDED', e.object);
    else if (e.type === 'DELETED' && before) sendObject('DELETED', e.object);
    else if (e.type === 'MODIFIED') {
      if (now && before) sendObject('MODIFIED', e.object);
      else if (now) sendObject('ADDED', e.object);
      else if (before) sendObject('DELETED', e.object);
    }
  };

  let unsubscribe: () => unknown = () => undefined;
  const timers: NodeJS.Timeout[] = [];
  const watch: ActiveWatch = {
    end() {
      if (ended) return;
      ended = true;
      unsubscribe();
      for (const timer of timers) clearTimeout(timer);
      res.end();
      onEnd(watch);
    },
  };
  res.on('close', () => watch.end());

  if (since === undefined || sendInitial) {
    for (const obj of store.list(t.type.storage.group, t.type.storage.plural, namespace))
      if (match(obj)) sendObject('ADDED', obj);
    if (sendInitial && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const events = store.eventsSince(key, namespace, since);
    if (!events) {
      const err = gone(`too old resource version: ${since} (${store.oldestResourceVersion})`);
      send('ERROR', err.toStatus());
      watch.end();
      return watch;
    }
    for (const e of events) translate(e);
  }
  unsubscribe = store.subscribe({ key, namespace, onEvent: translate });
  if (bookmarks && options.bookmarkIntervalMs > 0)
    timers.push(setInterval(() => bookmark(), options.bookmarkIntervalMs));
  if (timeoutSeconds > 0) timers.push(setTimeout(() => watch.end(), timeoutSeconds * 1000));
  return watch;
}
