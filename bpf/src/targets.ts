// Keeps the set of intercepted endpoints: static ones plus the current addresses of configured
// hosts (api.openai.com...), re-resolved on their DNS TTL. Pure bookkeeping; the Interceptor
// applies the differences to sm_targets_v1.
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { BpfError } from './errors.js';
import { type Endpoint, ip16, type Target } from './layout.js';

export interface ResolvedAddress {
  address: string;
  /** Seconds the answer may be cached; undefined when the resolver does not say. */
  ttl?: number;
}

/** Injectable so tests can map names to 127.0.0.x without DNS. */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export interface HostTarget {
  host: string;
  port: number;
  /** Waypoint port for this host's connections (default: the waypoint's configured port). */
  waypointPort?: number;
}

/** The LLM providers intercepted by default (HTTPS). */
export const DEFAULT_HOSTS: readonly HostTarget[] = [
  { host: 'api.openai.com', port: 443 },
  { host: 'api.anthropic.com', port: 443 },
];

/**
 * Resolves A and AAAA records with their TTLs; names the DNS servers do not know (/etc/hosts,
 * `localhost`) fall back to getaddrinfo without a TTL.
 */
export const systemResolver: Resolver = async (host) => {
  if (isIP(host)) return [{ address: host }];
  const [v4, v6] = await Promise.allSettled([
    dns.resolve4(host, { ttl: true }),
    dns.resolve6(host, { ttl: true }),
  ]);
  const out: ResolvedAddress[] = [];
  if (v4.status === 'fulfilled') out.push(...v4.value);
  if (v6.status === 'fulfilled') out.push(...v6.value);
  if (out.length > 0) return out;
  const all = await dns.lookup(host, { all: true });
  return all.map((a) => ({ address: a.address }));
};

/** A stable key for an endpoint: IPv4 and IPv4-mapped IPv6 spell the same key. */
export function endpointKey(ep: Endpoint): string {
  return `${ip16(ep.ip).toString('hex')}/${ep.port}`;
}

export interface TargetSetOptions {
  resolver?: Resolver;
  /** Never re-resolve sooner than this (default 5 s) nor later than maxIntervalMs (default 5 min). */
  minIntervalMs?: number;
  maxIntervalMs?: number;
  /** Addresses a host stopped returning stay intercepted this long, for clients caching DNS (default 10 min). */
  graceMs?: number;
  now?: () => number;
}

interface HostState {
  target: HostTarget;
  /** endpoint key → (endpoint, time after which it is dropped unless seen again) */
  addresses: Map<string, { ep: Target; expiresAt: number }>;
  nextAt: number;
  lastError: unknown;
}

export interface TargetDiff {
  /** New targets and targets whose waypoint port changed (a map update overwrites). */
  add: Target[];
  remove: Target[];
}

export class TargetSet {
  readonly #resolver: Resolver;
  readonly #min: number;
  readonly #max: number;
  readonly #grace: number;
  readonly #now: () => number;
  readonly #static = new Map<string, Target>();
  readonly #hosts = new Map<string, HostState>();
  /** What was last reported as desired (the Interceptor's view of the map). */
  #applied = new Map<string, Target>();

  constructor(options: TargetSetOptions = {}) {
    this.#resolver = options.resolver ?? systemResolver;
    this.#min = options.minIntervalMs ?? 5_000;
    this.#max = options.maxIntervalMs ?? 300_000;
    this.#grace = options.graceMs ?? 600_000;
    this.#now = options.now ?? Date.now;
  }

  addStatic(ep: Target): void {
    validate(ep);
    this.#static.set(endpointKey(ep), { ip: ep.ip, port: ep.port, waypointPort: ep.waypointPort });
  }

  removeStatic(ep: Endpoint): boolean {
    return this.#static.delete(endpointKey(ep));
  }

  addHost(target: HostTarget): void {
    if (typeof target.host !== 'string' || target.host.length === 0 || target.host.length > 253) {
      throw new BpfError(
        'SM_ERR_BPF_TARGET_INVALID',
        `host must be a non-empty name, got ${JSON.stringify(target.host)}`,
      );
    }
    validatePort(target.port);
    if (target.waypointPort !== undefined) validatePort(target.waypointPort);
    const id = `${target.host.toLowerCase()}:${target.port}`;
    if (!this.#hosts.has(id))
      this.#hosts.set(id, { target, addresses: new Map(), nextAt: 0, lastError: undefined });
  }

  removeHost(target: HostTarget): boolean {
    return this.#hosts.delete(`${target.host.toLowerCase()}:${target.port}`);
  }

  hosts(): { host: string; port: number; addresses: string[]; lastError: unknown }[] {
    return [...this.#hosts.values()].map((h) => ({
      host: h.target.host,
      port: h.target.port,
      addresses: [...h.addresses.values()].map((a) => a.ep.ip),
      lastError: h.lastError,
    }));
  }

  /** When the next host is due for re-resolution (ms since epoch), or undefined without hosts. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const h of this.#hosts.values()) if (next === undefined || h.nextAt < next) next = h.nextAt;
    return next;
  }

  /**
   * Re-resolves the hosts that are due (all with `force`). A failed resolution keeps the previous
   * addresses: a DNS blip must not switch interception off. Errors are returned, not thrown.
   */
  async refresh(force = false): Promise<{ host: string; error: unknown }[]> {
    const now = this.#now();
    const due = [...this.#hosts.values()].filter((h) => force || h.nextAt <= now);
    const errors: { host: string; error: unknown }[] = [];
    await Promise.all(
      due.map(async (h) => {
        try {
          const answers = await this.#resolver(h.target.host);
          const ttls = answers.map((a) => a.ttl).filter((t): t is number => typeof t === 'number');
          const ttlMs = ttls.length ? Math.min(...ttls) * 1000 : this.#max;
          const t = this.#now();
          for (const a of answers) {
            if (!isIP(a.address)) continue;
            const ep = { ip: a.address, port: h.target.port, waypointPort: h.target.waypointPort };
            h.addresses.set(endpointKey(ep), { ep, expiresAt: t + Math.max(ttlMs, this.#min) + this.#grace });
          }
          h.nextAt = t + Math.min(Math.max(ttlMs, this.#min), this.#max);
          h.lastError = undefined;
        } catch (error) {
          h.lastError = error;
          h.nextAt = this.#now() + this.#min;
          errors.push({ host: h.target.host, error });
        }
        const t = this.#now();
        for (const [k, a] of h.addresses) if (a.expiresAt <= t) h.addresses.delete(k);
      }),
    );
    return errors;
  }

  desired(): Map<string, Target> {
    const out = new Map(this.#static);
    for (const h of this.#hosts.values()) for (const [k, a] of h.addresses) out.set(k, a.ep);
    return out;
  }

  /** The changes since the last call; the caller applies them and they count as applied. */
  takeDiff(): TargetDiff {
    const want = this.desired();
    const add = [...want]
      .filter(([k, ep]) => this.#applied.get(k)?.waypointPort !== ep.waypointPort || !this.#applied.has(k))
      .map(([, ep]) => ep);
    const remove = [...this.#applied].filter(([k]) => !want.has(k)).map(([, ep]) => ep);
    this.#applied = want;
    return { add, remove };
  }
}

function validatePort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BpfError(
      'SM_ERR_BPF_TARGET_INVALID',
      `port must be an integer in 1..65535, got ${String(port)}`,
    );
  }
}

function validate(ep: Target): void {
  if (typeof ep?.ip !== 'string' || !isIP(ep.ip)) {
    throw new BpfError('SM_ERR_BPF_TARGET_INVALID', `not an IP address: ${JSON.stringify(ep?.ip)}`);
  }
  validatePort(ep.port);
  if (ep.waypointPort !== undefined) validatePort(ep.waypointPort);
}
