// Summarises a conformance run: totals, a per-topic table (docs/conformance.md), a JSON summary, and
// the most frequent reasons cases do not pass, so the next piece of work is obvious.
import type { CaseResult, Exceptions } from './exceptions.js';
import type { CaseStatus } from './run-case.js';

export interface Counts {
  total: number;
  passed: number;
  failed: number;
  unsupported: number;
  crashed: number;
}

export interface Summary extends Counts {
  /** passed / total, in percent with one decimal. */
  percent: number;
  /** Non-passing cases listed in the exceptions file. */
  excepted: number;
  durationMs: number;
  topics: (Counts & { topic: string })[];
  /** Reason kinds (numbers and quoted values stripped) with their counts, most frequent first. */
  topReasons: { reason: string; count: number }[];
  slowest: { id: string; ms: number }[];
}

const zero = (): Counts => ({ total: 0, passed: 0, failed: 0, unsupported: 0, crashed: 0 });
const pct = (c: Counts) => (c.total === 0 ? 0 : Math.round((c.passed / c.total) * 1000) / 10);

/** Groups reasons by kind: `needs host builtin units.parse` stays, got/want payloads go. */
export function reasonKind(status: CaseStatus, reason = ''): string {
  const kind = reason
    .replace(/(got|want) .*$/, '$1 …')
    .replace(/module-\d+\.rego:\d+:\d+: /, '')
    .replace(/"[^"]*"|`[^`]*`/g, '"…"')
    .replace(/\d+(\.\d+)?/g, 'N');
  return `${status}: ${kind}`.slice(0, 140);
}

export function summarize(results: CaseResult[], exceptions: Exceptions, durationMs: number): Summary {
  const all = zero();
  const byTopic = new Map<string, Counts>();
  const reasons = new Map<string, number>();
  let excepted = 0;
  for (const r of results) {
    const t = byTopic.get(r.topic) ?? zero();
    byTopic.set(r.topic, t);
    for (const c of [all, t]) {
      c.total++;
      c[r.outcome.status]++;
    }
    if (r.outcome.status !== 'passed') {
      if (exceptions.has(r.id)) excepted++;
      const k = reasonKind(r.outcome.status, r.outcome.reason);
      reasons.set(k, (reasons.get(k) ?? 0) + 1);
    }
  }
  return {
    ...all,
    percent: pct(all),
    excepted,
    durationMs: Math.round(durationMs),
    topics: [...byTopic].sort(([a], [b]) => (a < b ? -1 : 1)).map(([topic, c]) => ({ topic, ...c })),
    topReasons: [...reasons]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 25)
      .map(([reason, count]) => ({ reason, count })),
    slowest: [...results]
      .sort((a, b) => b.outcome.ms - a.outcome.ms)
      .slice(0, 10)
      .map((r) => ({ id: r.id, ms: Math.round(r.outcome.ms) })),
  };
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** A section of docs/conformance.md: the gate's table. No timestamps, so an unchanged result leaves it unchanged. */
export function renderMarkdown(
  s: Summary,
  suite: string,
  title: string,
  exceptionsFile: string,
  command: string,
): string {
  const lines = [
    `## ${title}`,
    '',
    `**Passed ${s.passed} of ${s.total} cases (${s.percent} %).** Failed ${s.failed}, unsupported ${s.unsupported}, crashed ${s.crashed}; ${s.excepted} non-passing cases are listed in \`${exceptionsFile}\`.`,
    '',
    `Suite: ${suite}. Produced by \`${command}\`.`,
    '"Unsupported" means the case needs a builtin we do not provide yet; "crashed" means the compiler',
    'threw, the wasm trapped, or the case hung.',
    '',
    '| topic | cases | passed | failed | unsupported | crashed | pass % |',
    '| ----- | ----: | -----: | -----: | ----------: | ------: | -----: |',
    ...s.topics.map(
      (t) =>
        `| ${cell(t.topic)} | ${t.total} | ${t.passed} | ${t.failed} | ${t.unsupported} | ${t.crashed} | ${pct(t)} |`,
    ),
    `| **total** | **${s.total}** | **${s.passed}** | **${s.failed}** | **${s.unsupported}** | **${s.crashed}** | **${s.percent}** |`,
    '',
    '### Most frequent reasons',
    '',
    '| cases | reason |',
    '| ----: | ------ |',
    ...s.topReasons.map((r) => `| ${r.count} | ${cell(r.reason)} |`),
    '',
  ];
  return lines.join('\n');
}

/** Console figures: totals, then the top reasons. */
export function renderConsole(s: Summary): string {
  const lines = [
    `conformance: ${s.passed}/${s.total} passed (${s.percent} %), ${s.failed} failed, ${s.unsupported} unsupported, ${s.crashed} crashed — ${(s.durationMs / 1000).toFixed(1)} s`,
  ];
  if (s.topReasons.length) lines.push('most frequent reasons:');
  for (const r of s.topReasons.slice(0, 10)) lines.push(`  ${String(r.count).padStart(5)}  ${r.reason}`);
  if (s.slowest.length)
    lines.push(
      `slowest: ${s.slowest
        .slice(0, 5)
        .map((x) => `${x.id} (${x.ms} ms)`)
        .join(', ')}`,
    );
  return lines.join('\n');
}
