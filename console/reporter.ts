// Feeds a console from a waypoint: a Writable that takes the waypoint's audit JSON lines, passes them
// on unchanged, and hands each record to a sink (an in-process DecisionLog, or batched HTTP POSTs to
// the controller's console authenticated with the waypoint's service-account token).
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';

/**
 * Splits audit output into lines, forwards every byte to `next` (stdout, a file) and calls
 * `onRecord` with each parsed JSON record. A line that is not JSON is forwarded and skipped.
 */
export function auditTap(next: Writable | undefined, onRecord: (record: unknown) => void): Writable {
  let partial = '';
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const text = partial + chunk.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      if (partial.length > 1024 * 1024) partial = '';
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          onRecord(JSON.parse(line));
        } catch {
          // not a record: still forwarded below
        }
      }
      if (next) next.write(chunk, done);
      else done();
    },
  });
}

export interface DecisionReporterOptions {
  /** The console's report endpoint, e.g. `http://semamesh-controller:8090/console/api/decisions`. */
  url: string;
  /** File holding the bearer token (re-read on each batch: projected tokens rotate). */
  tokenFile?: string;
  token?: string;
  /** Records kept while the console is unreachable (default 1000; the oldest are dropped). */
  maxQueue?: number;
  intervalMs?: number;
  onError?: (err: Error) => void;
}

/** Batches records and POSTs them; never blocks or fails the waypoint. `stop()` flushes once more. */
export function decisionReporter(options: DecisionReporterOptions) {
  const queue: unknown[] = [];
  const max = options.maxQueue ?? 1000;
  let sending = false;
  const token = () => (options.tokenFile ? readFileSync(options.tokenFile, 'utf8').trim() : options.token);
  const flush = async () => {
    if (sending || queue.length === 0) return;
    sending = true;
    const batch = queue.splice(0, 500);
    try {
      const t = token();
      const res = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(t ? { authorization: `Bearer ${t}` } : {}) },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok) throw new Error(`the console answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    } catch (err) {
      queue.unshift(...batch);
      if (queue.length > max) queue.splice(0, queue.length - max);
      options.onError?.(err instanceof Error ? err : new Error(String(err)));
    } finally {
      sending = false;
    }
  };
  const timer = setInterval(() => void flush(), options.intervalMs ?? 1000);
  timer.unref();
  return {
    add(record: unknown) {
      queue.push(record);
      if (queue.length > max) queue.splice(0, queue.length - max);
    },
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
