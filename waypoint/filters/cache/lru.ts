// A bounded LRU map with a per-entry expiry and a byte budget: the response cache's storage.
// Map insertion order is the recency order (a hit re-inserts), so eviction is O(1).

export interface LruOptions {
  /** Most entries kept (default 1000). */
  maxEntries?: number;
  /** Most bytes kept over all entries (default 64 MiB). */
  maxBytes?: number;
  /** Entries expire this long after they were stored (default 5 minutes). */
  ttlMs?: number;
  clock?: () => number;
}

interface Slot<V> {
  value: V;
  size: number;
  expiresAt: number;
  storedAt: number;
}

export class LruCache<V> {
  private readonly map = new Map<string, Slot<V>>();
  private bytes = 0;
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly ttlMs: number;
  private readonly clock: () => number;

  constructor(options: LruOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 1000);
    this.maxBytes = Math.max(1, options.maxBytes ?? 64 * 1024 * 1024);
    this.ttlMs = Math.max(1, options.ttlMs ?? 5 * 60_000);
    this.clock = options.clock ?? Date.now;
  }

  get size(): number {
    return this.map.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** The live entry and its age in ms, refreshed as most recently used; expired entries are dropped. */
  get(key: string): { value: V; ageMs: number } | undefined {
    const slot = this.map.get(key);
    if (!slot) return undefined;
    const now = this.clock();
    if (slot.expiresAt <= now) {
      this.delete(key);
      return undefined;
    }
    this.map.delete(key);
    this.map.set(key, slot);
    return { value: slot.value, ageMs: now - slot.storedAt };
  }

  /** Stores an entry of `size` bytes; one larger than the whole budget is not stored. */
  set(key: string, value: V, size: number): boolean {
    if (size > this.maxBytes) return false;
    this.delete(key);
    const now = this.clock();
    this.map.set(key, { value, size, expiresAt: now + this.ttlMs, storedAt: now });
    this.bytes += size;
    while (this.map.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.map.keys().next().value as string;
      this.delete(oldest);
    }
    return true;
  }

  delete(key: string): void {
    const slot = this.map.get(key);
    if (!slot) return;
    this.map.delete(key);
    this.bytes -= slot.size;
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}
