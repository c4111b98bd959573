// The Redis quota store for budgets shared across nodes: reserve and settle are single Lua scripts,
// so they are atomic across every quota and window they touch; keys carry TTLs.
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import { QUOTA_ERROR_CODES, QuotaError } from './errors.js';
import { FIGURES_LUA, RESERVE_LUA, SETTLE_LUA } from './redis-scripts.js';
import type {
  Amount,
  Charge,
  Limits,
  LoopCounts,
  QuotaStore,
  ReserveOutcome,
  ReservePlan,
  SeriesAt,
  SeriesFigures,
  SettleState,
  StoredQuota,
} from './store.js';

export interface RedisStoreOptions {
  /** `redis://host:port/db` or ioredis options. */
  url?: string;
  redis?: RedisOptions;
  /**
   * Key prefix. The scripts build keys at run time, so on Redis Cluster every key must hash to one
   * slot: keep a hash tag in the prefix (the default `{sm}:quota:` does that).
   */
  prefix?: string;
}

interface ScriptedRedis extends Redis {
  smReserve(prefix: string, plan: string): Promise<string>;
  smSettle(prefix: string, id: string, now: string, charges: string): Promise<string>;
  smFigures(prefix: string, now: string, series: string): Promise<string>;
}

type RawFigure = [number, number, number, number, number, number, number];

function limitsJson(l: Limits): Record<string, number> {
  const out: Record<string, number> = {};
  if (l.tokens !== undefined) out.t = l.tokens;
  if (l.cost !== undefined) out.c = l.cost;
  if (l.requests !== undefined) out.r = l.requests;
  return out;
}

/** cjson encodes an empty Lua table as `{}`; every list we read back may come as one. */
function list<T>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

function toFigures(keys: string[], raw: unknown): SeriesFigures[] {
  return list<RawFigure>(raw).map((f, i) => ({
    key: keys[i],
    used: { tokens: f[0], cost: f[1], requests: f[2] },
    held: { tokens: f[3], cost: f[4], requests: f[5] },
    newest: f[6] >= 0 ? f[6] : undefined,
  }));
}

const require = createRequire(import.meta.url);

/** ioredis, loaded by the first Redis store: a process keeping budgets in SQLite never pays for it. */
function redisClient(): typeof Redis {
  return (require('ioredis') as typeof import('ioredis')).Redis;
}

export class RedisQuotaStore implements QuotaStore {
  readonly kind = 'redis' as const;
  readonly prefix: string;
  private readonly redis: ScriptedRedis;

  constructor(options: RedisStoreOptions) {
    this.prefix = options.prefix ?? '{sm}:quota:';
    const base: RedisOptions = { maxRetriesPerRequest: 2, enableOfflineQueue: true, ...options.redis };
    const Client = redisClient();
    const client = options.url ? new Client(options.url, base) : new Client(base);
    client.defineCommand('smReserve', { numberOfKeys: 0, lua: RESERVE_LUA });
    client.defineCommand('smSettle', { numberOfKeys: 0, lua: SETTLE_LUA });
    client.defineCommand('smFigures', { numberOfKeys: 0, lua: FIGURES_LUA });
    // Connection errors surface on the commands as coded errors; without a listener ioredis would
    // also print every reconnect attempt.
    client.on('error', () => {});
    this.redis = client as ScriptedRedis;
  }

  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new QuotaError(
        QUOTA_ERROR_CODES.STORE_IO,
        `quota store ${what} failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  async reserve(plan: ReservePlan): Promise<ReserveOutcome> {
    const loop = plan.loop && {
      a: plan.loop.agent,
      p: plan.loop.prompt,
      tc: plan.loop.toolCalls,
      st: plan.loop.step,
      ret: plan.loop.retentionMs,
      checks: plan.loop.checks.map((c) => ({
        q: c.quota,
        w: c.windowMs,
        mp: c.maxPrompts,
        mt: c.maxToolCalls,
      })),
    };
    const body = JSON.stringify({
      id: plan.id,
      now: plan.now,
      exp: plan.expiresAt,
      grace: plan.graceMs,
      meta: plan.meta,
      loop,
      holds: plan.holds.map((h) => ({
        q: h.quota,
        t: h.amount.tokens,
        c: h.amount.cost,
        r: h.amount.requests,
        s: h.series.map((s) => ({
          k: s.key,
          lo: s.lo,
          hi: s.hi,
          ret: s.retentionMs,
          lim: limitsJson(s.limits),
        })),
      })),
    });
    const raw = await this.run('reserve', () => this.redis.smReserve(this.prefix, body));
    const out = JSON.parse(raw) as { a: boolean; lb: boolean; f: unknown; l: unknown };
    const keys = plan.holds.flatMap((h) => h.series.map((s) => s.key));
    return {
      admitted: out.a,
      loopBlocked: out.lb,
      figures: toFigures(keys, out.f),
      loop: list<[string, number, number, number]>(out.l).map(
        ([quota, prompts, toolCalls, pingPong]): LoopCounts => ({ quota, prompts, toolCalls, pingPong }),
      ),
    };
  }

  async lookup(id: string): Promise<string | undefined> {
    const [state, meta] = await this.run('lookup', () =>
      this.redis.hmget(`${this.prefix}r:${id}`, 'state', 'meta'),
    );
    if (state === null) return undefined;
    return meta ?? '';
  }

  async settle(id: string, charges: Charge[], now: number): Promise<SettleState> {
    const body = JSON.stringify(
      charges.map((c) => ({
        s: c.series,
        b: c.bucket,
        ret: c.retentionMs,
        t: c.amount.tokens,
        c: c.amount.cost,
        r: c.amount.requests,
      })),
    );
    return (await this.run('settle', () =>
      this.redis.smSettle(this.prefix, id, String(now), body),
    )) as SettleState;
  }

  async figures(series: SeriesAt[], quotas: string[], now: number): Promise<SeriesFigures[]> {
    if (series.length === 0) return [];
    const body = JSON.stringify(
      series.map((s, i) => ({ k: s.key, lo: s.lo, hi: s.hi, ret: s.retentionMs, q: quotas[i] })),
    );
    const raw = await this.run('read', () => this.redis.smFigures(this.prefix, String(now), body));
    return toFigures(
      series.map((s) => s.key),
      JSON.parse(raw),
    );
  }

  async buckets(series: string, lo: number, hi: number): Promise<Array<{ bucket: number; amount: Amount }>> {
    const base = `${this.prefix}u:${series}:`;
    const [t, c, r] = await this.run('read', () =>
      Promise.all([
        this.redis.hgetall(`${base}t`),
        this.redis.hgetall(`${base}c`),
        this.redis.hgetall(`${base}r`),
      ]),
    );
    return Object.keys(t)
      .map(Number)
      .filter((b) => b >= lo && b <= hi)
      .sort((a, b) => a - b)
      .map((b) => ({
        bucket: b,
        amount: { tokens: Number(t[b] ?? 0), cost: Number(c[b] ?? 0), requests: Number(r[b] ?? 0) },
      }));
  }

  async saveQuotas(quotas: StoredQuota[]): Promise<void> {
    const key = `${this.prefix}quotas`;
    await this.run('saveQuotas', async () => {
      const tx = this.redis.multi().del(key);
      for (const q of quotas) tx.hset(key, q.id, JSON.stringify(q.series));
      await tx.exec();
    });
  }

  async loadQuotas(): Promise<StoredQuota[]> {
    const all = await this.run('loadQuotas', () => this.redis.hgetall(`${this.prefix}quotas`));
    return Object.keys(all)
      .sort()
      .map((id) => ({ id, series: JSON.parse(all[id]) }));
  }

  async noteUnknownModel(quota: string, model: string, now: number): Promise<void> {
    await this.run('noteUnknownModel', () =>
      this.redis
        .multi()
        .hincrby(`${this.prefix}um:${quota}`, model, 1)
        .hset(`${this.prefix}uml:${quota}`, model, String(now))
        .exec(),
    );
  }

  async unknownModels(quota: string): Promise<Array<{ model: string; count: number; lastSeen: number }>> {
    const [counts, seen] = await this.run('unknownModels', () =>
      Promise.all([
        this.redis.hgetall(`${this.prefix}um:${quota}`),
        this.redis.hgetall(`${this.prefix}uml:${quota}`),
      ]),
    );
    return Object.keys(counts)
      .sort()
      .map((model) => ({ model, count: Number(counts[model]), lastSeen: Number(seen[model] ?? 0) }));
  }

  /** Redis expires records and loop events by TTL and prunes buckets inside the scripts. */
  async gc(_now: number): Promise<void> {}

  async close(): Promise<void> {
    if (this.redis.status === 'end') return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
