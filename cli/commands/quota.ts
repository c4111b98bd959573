// `semamesh quota status [--db path]`: prints usage and what remains per quota window from a local SQLite quota store.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import {
  QUOTA_ERROR_CODES,
  QuotaBudgetEngine,
  QuotaError,
  type QuotaStatus,
  SqliteQuotaStore,
} from '../../quota/index.js';
import { outputOption } from '../output.js';

export const DEFAULT_QUOTA_DB = '.semamesh/quota.db';

export interface QuotaStatusIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

function usd(v: number | undefined): string {
  if (v === undefined) return '-';
  // Four decimals keep sub-cent spend visible; up to two trailing zeros go (50.0000 → 50.00).
  return `$${v.toFixed(4).replace(/0{1,2}$/, '')}`;
}

function remaining(w: QuotaStatus['windows'][number]): string {
  const parts: string[] = [];
  if (w.remaining.tokens !== undefined) parts.push(`${w.remaining.tokens}/${w.limits.tokens} tok`);
  if (w.remaining.costUSD !== undefined) parts.push(`${usd(w.remaining.costUSD)}/${usd(w.limits.costUSD)}`);
  if (w.remaining.requests !== undefined) parts.push(`${w.remaining.requests}/${w.limits.requests} req`);
  return parts.join(', ') || '-';
}

/** Renders rows as an aligned text table (kubectl style: upper-case headers, two spaces between columns). */
export function formatStatusTable(statuses: QuotaStatus[]): string[] {
  const rows: string[][] = [
    ['QUOTA', 'WINDOW', 'USED TOKENS', 'USED $', 'HELD TOKENS', 'REMAINING', 'RESETS AT'],
  ];
  for (const s of statuses)
    for (const w of s.windows)
      rows.push([
        s.quota,
        `${w.window}${w.type === 'calendar' ? ' (calendar)' : ''}`,
        String(w.used.tokens),
        usd(w.used.costUSD),
        String(w.held.tokens),
        remaining(w),
        w.resetAt,
      ]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
  for (const s of statuses)
    for (const u of s.unknownModels)
      lines.push(
        `note: ${s.quota}: model ${u.model} has no price (${u.count} requests billed at the default price)`,
      );
  return lines;
}

export async function runQuotaStatus(
  options: { db: string; output: string },
  io: QuotaStatusIo,
): Promise<number> {
  if (!existsSync(options.db)) {
    io.err(`${QUOTA_ERROR_CODES.STORE_OPEN}: no quota database at ${options.db} (pass --db)`);
    return 1;
  }
  let engine: QuotaBudgetEngine | undefined;
  try {
    engine = new QuotaBudgetEngine({ store: new SqliteQuotaStore({ path: options.db }), gcIntervalMs: 0 });
    const statuses = await engine.status();
    if (options.output === 'json') io.out(JSON.stringify(statuses, null, 2));
    else if (options.output === 'yaml') io.out(stringify(statuses).trimEnd());
    else if (options.output === 'name') for (const s of statuses) io.out(`semaquota/${s.quota}`);
    else if (statuses.length === 0) io.out(`no quotas recorded in ${options.db}`);
    else for (const line of formatStatusTable(statuses)) io.out(line);
    return 0;
  } catch (err) {
    if (!(err instanceof QuotaError)) throw err;
    io.err(`${err.code}: ${err.message}`);
    return 1;
  } finally {
    await engine?.close();
  }
}

export function registerQuota(program: Command): void {
  const quota = program.command('quota').description('inspect token and cost budgets');
  quota
    .command('status')
    .description('print usage, holds and what remains per quota window from a local SQLite quota store')
    .option('--db <path>', 'quota database file', process.env.SEMAMESH_QUOTA_DB ?? DEFAULT_QUOTA_DB)
    .addOption(outputOption(['json', 'yaml', 'name']))
    .action(async (opts: { db: string; output: string }) => {
      process.exitCode = await runQuotaStatus(opts, {
        out: (l) => console.log(l),
        err: (l) => console.error(l),
      });
    });
}
