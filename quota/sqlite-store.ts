// The SQLite quota store for local mode and single-node setups: WAL, one IMMEDIATE transaction per
// reserve and per settle, so several waypoint processes sharing one file can never overshoot.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { QUOTA_ERROR_CODES, QuotaError } from './errors.js';
import Database from './sqlite-driver.js';
import {
  type Amount,
  type Charge,
  fits,
  type LoopCounts,
  pingPongCount,
  type QuotaStore,
  type ReserveOutcome,
  type ReservePlan,
  type SeriesAt,
  type SeriesFigures,
  type SettleState,
  type StoredQuota,
} from './store.js';

export interface SqliteStoreOptions {
  /** Database file; `:memory:` for a private in-process store. */
  path: string;
  /**
   * `NORMAL` (default): with WAL every commit is in the WAL file before the call returns, so a
   * killed process (kill -9) loses nothing; only an OS crash or power cut can drop the last
   * commits. `FULL` also fsyncs each commit, surviving power loss at ~1 fsync per request.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a transaction waits for another process's write lock (ms). */
  busyTimeoutMs?: number;
  readonly?: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS usage (
  series TEXT NOT NULL, bucket INTEGER NOT NULL,
  tokens INTEGER NOT NULL, cost INTEGER NOT NULL, requests INTEGER NOT NULL,
  expire_at INTEGER NOT NULL,
  PRIMARY KEY (series, bucket)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS usage_expiry ON usage (expire_at);
CREATE TABLE IF NOT EXISTS reservations (
  id TEXT PRIMARY KEY, state INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  purge_at INTEGER NOT NULL, meta TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS reservations_purge ON reservations (purge_at);
CREATE TABLE IF NOT EXISTS holds (
  quota TEXT NOT NULL, res_id TEXT NOT NULL, expires_at INTEGER NOT NULL,
  tokens INTEGER NOT NULL, cost INTEGER NOT NULL, requests INTEGER NOT NULL,
  PRIMARY KEY (res_id, quota)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS holds_active ON holds (quota, expires_at, tokens, cost, requests);
CREATE TABLE IF NOT EXISTS loop_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, agent TEXT NOT NULL, kind TEXT NOT NULL,
  hash TEXT NOT NULL, at INTEGER NOT NULL, expire_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS loop_by_hash ON loop_events (agent, kind, hash, at);
CREATE INDEX IF NOT EXISTS loop_steps ON loop_events (agent, kind, seq);
CREATE INDEX IF NOT EXISTS loop_expiry ON loop_events (expire_at);
CREATE TABLE IF NOT EXISTS quotas (id TEXT PRIMARY KEY, def TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS unknown_models (
  quota TEXT NOT NULL, model TEXT NOT NULL, count INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  PRIMARY KEY (quota, model));
`;

const STEP_HISTORY = 64;
/** A settled reservation keeps a small marker this long, so a repeated settle reports `already`. */
export const SETTLED_KEEP_MS = 60_000;

type Stmt = BetterSqlite3.Statement;

export class SqliteQuotaStore implements QuotaStore {
  readonly kind = 'sqlite' as const;
  private readonly db: BetterSqlite3.Database;
  private readonly s: Record<string, Stmt>;
  private readonly reserveTx: (plan: ReservePlan) => ReserveOutcome;
  private readonly settleTx: (id: string, charges: Charge[], now: number) => SettleState;

  constructor(options: SqliteStoreOptions) {
    try {
      if (options.path !== ':memory:' && !options.readonly)
        mkdirSync(dirname(options.path), { recursive: true });
      this.db = new Database(options.path, {
        timeout: options.busyTimeoutMs ?? 10_000,
        readonly: options.readonly ?? false,
        fileMustExist: options.readonly ?? false,
      });
      if (!options.readonly) {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
        // Reads through a memory map skip a read() per page; sums over window buckets are reads.
        this.db.pragma('mmap_size = 268435456');
        this.db.exec(SCHEMA);
      }
    } catch (err) {
      throw new QuotaError(
        QUOTA_ERROR_CODES.STORE_OPEN,
        `cannot open quota database ${options.path}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const db = this.db;
    const prep = (sql: string) => db.prepare(sql);
    this.s = {
      used: prep(`SELECT COALESCE(SUM(tokens),0) AS t, COALESCE(SUM(cost),0) AS c, COALESCE(SUM(requests),0) AS r,
        MAX(bucket) AS newest FROM usage WHERE series = ? AND bucket BETWEEN ? AND ?`),
      held: prep(`SELECT COALESCE(SUM(tokens),0) AS t, COALESCE(SUM(cost),0) AS c, COALESCE(SUM(requests),0) AS r
        FROM holds WHERE quota = ? AND expires_at > ?`),
      loopCount: prep(
        'SELECT COUNT(*) AS n FROM loop_events WHERE agent = ? AND kind = ? AND hash = ? AND at > ?',
      ),
      steps: prep(
        `SELECT hash FROM loop_events WHERE agent = ? AND kind = 's' AND at > ? ORDER BY seq DESC LIMIT ${STEP_HISTORY}`,
      ),
      insLoop: prep('INSERT INTO loop_events (agent, kind, hash, at, expire_at) VALUES (?, ?, ?, ?, ?)'),
      insRes: prep('INSERT INTO reservations (id, state, expires_at, purge_at, meta) VALUES (?, 0, ?, ?, ?)'),
      insHold: prep(
        'INSERT INTO holds (quota, res_id, expires_at, tokens, cost, requests) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      getRes: prep('SELECT state, meta FROM reservations WHERE id = ?'),
      resHolds: prep('SELECT expires_at FROM holds WHERE res_id = ?'),
      delHolds: prep('DELETE FROM holds WHERE res_id = ?'),
      doneRes: prep("UPDATE reservations SET state = 1, meta = '', purge_at = ? WHERE id = ?"),
      charge:
        prep(`INSERT INTO usage (series, bucket, tokens, cost, requests, expire_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (series, bucket) DO UPDATE SET tokens = tokens + excluded.tokens, cost = cost + excluded.cost,
        requests = requests + excluded.requests, expire_at = MAX(expire_at, excluded.expire_at)`),
      buckets: prep(
        'SELECT bucket, tokens, cost, requests FROM usage WHERE series = ? AND bucket BETWEEN ? AND ? ORDER BY bucket',
      ),
      unknown: prep(`INSERT INTO unknown_models (quota, model, count, last_seen) VALUES (?, ?, 1, ?)
        ON CONFLICT (quota, model) DO UPDATE SET count = count + 1, last_seen = MAX(last_seen, excluded.last_seen)`),
      unknownList: prep('SELECT model, count, last_seen FROM unknown_models WHERE quota = ? ORDER BY model'),
    };
    this.reserveTx = db.transaction((plan: ReservePlan) => this.reserveInTx(plan)).immediate;
    this.settleTx = db.transaction((id: string, charges: Charge[], now: number) =>
      this.settleInTx(id, charges, now),
    ).immediate;
  }

  private loopCounts(plan: ReservePlan): { counts: LoopCounts[]; blocked: boolean } {
    const loop = plan.loop;
    if (!loop) return { counts: [], blocked: false };
    const counts: LoopCounts[] = [];
    let blocked = false;
    for (const check of loop.checks) {
      const since = plan.now - check.windowMs;
      const prompts = loop.prompt
        ? (this.s.loopCount.get(loop.agent, 'p', loop.prompt, since) as { n: number }).n + 1
        : 0;
      let toolCalls = 0;
      for (const h of loop.toolCalls)
        toolCalls = Math.max(
          toolCalls,
          (this.s.loopCount.get(loop.agent, 't', h, since) as { n: number }).n + 1,
        );
      let pingPong = 0;
      if (loop.step) {
        const prior = (this.s.steps.all(loop.agent, since) as Array<{ hash: string }>).map((r) => r.hash);
        pingPong = pingPongCount([loop.step, ...prior]);
      }
      counts.push({ quota: check.quota, prompts, toolCalls, pingPong });
      if (prompts >= check.maxPrompts || toolCalls >= check.maxToolCalls || pingPong >= check.maxToolCalls)
        blocked = true;
    }
    return { counts, blocked };
  }

  private figuresInTx(series: SeriesAt[], quotas: string[], now: number): SeriesFigures[] {
    const held = new Map<string, Amount>();
    for (const q of quotas) {
      const h = this.s.held.get(q, now) as { t: number; c: number; r: number };
      held.set(q, { tokens: h.t, cost: h.c, requests: h.r });
    }
    return series.map((sr, i) => {
      const u = this.s.used.get(sr.key, sr.lo, sr.hi) as {
        t: number;
        c: number;
        r: number;
        newest: number | null;
      };
      return {
        key: sr.key,
        used: { tokens: u.t, cost: u.c, requests: u.r },
        held: held.get(quotas[i]) ?? { tokens: 0, cost: 0, requests: 0 },
        newest: u.newest ?? undefined,
      };
    });
  }

  private reserveInTx(plan: ReservePlan): ReserveOutcome {
    const { counts, blocked } = this.loopCounts(plan);
    if (blocked) return { admitted: false, loopBlocked: true, figures: [], loop: counts };
    const series = plan.holds.flatMap((h) => h.series);
    const owners = plan.holds.flatMap((h) => h.series.map(() => h.quota));
    const figures = this.figuresInTx(series, owners, plan.now);
    let i = 0;
    let admitted = true;
    for (const hold of plan.holds)
      for (const sr of hold.series) {
        const f = figures[i++];
        if (!fits(sr.limits, f.used, f.held, hold.amount)) admitted = false;
      }
    if (!admitted) return { admitted, loopBlocked: false, figures, loop: counts };
    this.s.insRes.run(plan.id, plan.expiresAt, plan.expiresAt + plan.graceMs, plan.meta);
    for (const hold of plan.holds) {
      const a = hold.amount;
      this.s.insHold.run(hold.quota, plan.id, plan.expiresAt, a.tokens, a.cost, a.requests);
    }
    const loop = plan.loop;
    if (loop) {
      const expire = plan.now + loop.retentionMs;
      if (loop.prompt) this.s.insLoop.run(loop.agent, 'p', loop.prompt, plan.now, expire);
      for (const h of new Set(loop.toolCalls)) this.s.insLoop.run(loop.agent, 't', h, plan.now, expire);
      if (loop.step) this.s.insLoop.run(loop.agent, 's', loop.step, plan.now, expire);
    }
    return { admitted, loopBlocked: false, figures, loop: counts };
  }

  private settleInTx(id: string, charges: Charge[], now: number): SettleState {
    const row = this.s.getRes.get(id) as { state: number } | undefined;
    if (!row) return 'unknown';
    if (row.state !== 0) return 'already';
    const holds = this.s.resHolds.all(id) as Array<{ expires_at: number }>;
    const late = holds.some((h) => h.expires_at <= now);
    this.s.delHolds.run(id);
    this.s.doneRes.run(now + SETTLED_KEEP_MS, id);
    for (const c of charges)
      this.s.charge.run(
        c.series,
        c.bucket,
        c.amount.tokens,
        c.amount.cost,
        c.amount.requests,
        c.bucket + c.retentionMs,
      );
    return late ? 'late' : 'settled';
  }

  private run<T>(what: string, fn: () => T): T {
    try {
      return fn();
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
    return this.run('reserve', () => this.reserveTx(plan));
  }

  async lookup(id: string): Promise<string | undefined> {
    return this.run('lookup', () => (this.s.getRes.get(id) as { meta: string } | undefined)?.meta);
  }

  async settle(id: string, charges: Charge[], now: number): Promise<SettleState> {
    return this.run('settle', () => this.settleTx(id, charges, now));
  }

  async figures(series: SeriesAt[], quotas: string[], now: number): Promise<SeriesFigures[]> {
    return this.run('read', () => this.figuresInTx(series, quotas, now));
  }

  async buckets(series: string, lo: number, hi: number): Promise<Array<{ bucket: number; amount: Amount }>> {
    return this.run('read', () =>
      (
        this.s.buckets.all(series, lo, hi) as Array<{
          bucket: number;
          tokens: number;
          cost: number;
          requests: number;
        }>
      ).map((r) => ({ bucket: r.bucket, amount: { tokens: r.tokens, cost: r.cost, requests: r.requests } })),
    );
  }

  async saveQuotas(quotas: StoredQuota[]): Promise<void> {
    this.run('saveQuotas', () =>
      this.db
        .transaction(() => {
          this.db.prepare('DELETE FROM quotas').run();
          const ins = this.db.prepare('INSERT INTO quotas (id, def) VALUES (?, ?)');
          for (const q of quotas) ins.run(q.id, JSON.stringify(q.series));
        })
        .immediate(),
    );
  }

  async loadQuotas(): Promise<StoredQuota[]> {
    return this.run('loadQuotas', () =>
      (
        this.db.prepare('SELECT id, def FROM quotas ORDER BY id').all() as Array<{ id: string; def: string }>
      ).map((r) => ({ id: r.id, series: JSON.parse(r.def) })),
    );
  }

  async noteUnknownModel(quota: string, model: string, now: number): Promise<void> {
    this.run('noteUnknownModel', () => this.s.unknown.run(quota, model, now));
  }

  async unknownModels(quota: string): Promise<Array<{ model: string; count: number; lastSeen: number }>> {
    return this.run('unknownModels', () =>
      (this.s.unknownList.all(quota) as Array<{ model: string; count: number; last_seen: number }>).map(
        (r) => ({
          model: r.model,
          count: r.count,
          lastSeen: r.last_seen,
        }),
      ),
    );
  }

  async gc(now: number): Promise<void> {
    this.run('gc', () =>
      this.db
        .transaction(() => {
          this.db
            .prepare('DELETE FROM holds WHERE res_id IN (SELECT id FROM reservations WHERE purge_at < ?)')
            .run(now);
          this.db.prepare('DELETE FROM reservations WHERE purge_at < ?').run(now);
          this.db.prepare('DELETE FROM usage WHERE expire_at < ?').run(now);
          this.db.prepare('DELETE FROM loop_events WHERE expire_at < ?').run(now);
        })
        .immediate(),
    );
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
