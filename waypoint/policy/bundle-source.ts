// Live policy updates: the BundleSource seam (something that delivers new bundle bytes — the
// controller's poller, a watched file), and the loader that turns each delivery into an engine and
// swaps it in atomically, keeping the old engine when a bundle is corrupt, unsigned or fails to load.
import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { DecisionEngine } from './decision.js';
import type { PolicyHolder } from './holder.js';
import { loadWasmEngine } from './wasm-engine.js';

export interface BundleInfo {
  /** Where the bundle came from (a URL or a file), for logs. */
  origin?: string;
  revision?: string;
}

/** What a source hands its bundles to. */
export interface BundleSink {
  /** Loads and swaps in a bundle; rejects (and keeps the old engine) when it is bad. */
  deliver(bytes: Uint8Array, info?: BundleInfo): Promise<void>;
  /** The source could not produce a usable bundle (fetch or signature failure); counted and logged. */
  reject(err: unknown, info?: BundleInfo): void;
}

export interface BundleSource {
  start(sink: BundleSink): void | Promise<void>;
  stop(): void | Promise<void>;
}

export interface BundleLoaderOptions {
  /** Bytes → engine (default loadWasmEngine). */
  load?: (bytes: Uint8Array) => Promise<DecisionEngine>;
  /** Checks run before loading (e.g. signature verification of a watched file); a throw rejects. */
  verify?: (bytes: Uint8Array) => void | Promise<void>;
  metrics?: { bundle(result: 'loaded' | 'rejected', revision?: string): void };
  log?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

/**
 * Loads delivered bundles one at a time (a delivery waits for the previous one) and swaps each good
 * one in with `holder.swap`: requests in flight keep the engine they captured, new ones get the new
 * engine. A bad bundle leaves the current engine in force.
 */
export class BundleLoader implements BundleSink {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly counted = new WeakSet<object>();
  loads = 0;
  rejections = 0;

  constructor(
    private readonly holder: PolicyHolder,
    private readonly options: BundleLoaderOptions = {},
  ) {}

  deliver(bytes: Uint8Array, info: BundleInfo = {}): Promise<void> {
    const run = this.queue.then(() => this.load(bytes, info));
    this.queue = run.catch(() => undefined);
    return run;
  }

  reject(err: unknown, info: BundleInfo = {}): void {
    // A load failure the loader already counted comes back wrapped by the poller: count it once.
    const cause = (err as { cause?: unknown } | undefined)?.cause;
    if (isObject(err) && this.counted.has(err)) return;
    if (isObject(cause) && this.counted.has(cause)) return;
    this.rejected(err, info);
  }

  private async load(bytes: Uint8Array, info: BundleInfo): Promise<void> {
    let engine: DecisionEngine;
    try {
      await this.options.verify?.(bytes);
      engine = await (this.options.load ?? loadWasmEngine)(bytes);
    } catch (err) {
      this.rejected(err, info);
      if (isObject(err)) this.counted.add(err);
      throw err;
    }
    const previous = this.holder.revision;
    this.holder.swap(engine);
    this.loads++;
    this.options.metrics?.bundle('loaded', engine.revision);
    this.options.log?.info(
      { origin: info.origin, revision: engine.revision, previous },
      'semamesh:waypoint:bundle loaded',
    );
  }

  private rejected(err: unknown, info: BundleInfo): void {
    this.rejections++;
    this.options.metrics?.bundle('rejected', info.revision);
    this.options.log?.warn(
      {
        origin: info.origin,
        revision: info.revision,
        kept: this.holder.revision,
        code: (err as { code?: string } | undefined)?.code,
        err: (err as Error | undefined)?.message ?? String(err),
      },
      'semamesh:waypoint:bundle rejected, the current policy stays in force',
    );
  }
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

export interface FileBundleSourceOptions {
  /** Quiet time after the last change before the file is read (default 200 ms): editors write in steps. */
  debounceMs?: number;
}

/**
 * A bundle file on disk, delivered at start and again whenever it changes. The directory is watched
 * (not the file), so a bundle replaced by rename — how tools write atomically — is seen too;
 * unchanged content is not delivered twice.
 */
export function fileBundleSource(path: string, options: FileBundleSourceOptions = {}): BundleSource {
  const file = resolve(path);
  const debounceMs = options.debounceMs ?? 200;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastDigest = '';
  let sink: BundleSink | undefined;

  const read = async (): Promise<void> => {
    if (!sink) return;
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      sink.reject(err, { origin: file });
      return;
    }
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest === lastDigest) return;
    lastDigest = digest;
    await sink.deliver(bytes, { origin: file }).catch(() => {
      // Rejected and counted by the sink; a later write is read again.
      lastDigest = '';
    });
  };

  return {
    async start(s) {
      sink = s;
      watcher = watch(dirname(file), (_event, name) => {
        if (name !== null && name !== basename(file)) return;
        clearTimeout(timer);
        timer = setTimeout(() => void read(), debounceMs);
      });
      await read();
    },
    stop() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
      sink = undefined;
    },
  };
}
