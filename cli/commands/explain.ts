// `semamesh explain "<text>"`: how the intent analyser reads a text — language, reader, the pairs
// with the spans they came from, the actions that produced nothing and why, and which policy rules
// the pairs match (the sample policy, or --policies <dir>).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Canonicalizer, type Evidence, type Rejection } from '../../intent/index.js';
import { guessLanguage } from '../../intent/languages.js';
import { LANGUAGES } from '../../intent/lexicon.js';
import { loadLocalPolicy } from './local-policy.js';
import { samplePolicyPath } from './policy-cache.js';

export interface ExplainOptions {
  file?: string;
  json?: boolean;
  policies?: string[];
}

/** One rule of the loaded policies, and whether the text's pairs match it. */
export interface RuleMatch {
  policy: string;
  rule: string;
  action: string;
  intents: string[];
  matched: string[];
}

export interface Explanation {
  language: string;
  reader: 'sql' | 'shell' | 'prose';
  pairs: string[];
  evidence: Evidence[];
  rejected: Rejection[];
  rules: RuleMatch[];
}

/** Explains one text against the policies under `paths`. */
export async function explainText(text: string, paths: string[]): Promise<Explanation> {
  const { compiled } = await loadLocalPolicy(paths, 'explain');
  const c = new Canonicalizer(compiled.data.semamesh.vocabulary);
  const r = c.explain(text);
  const rules: RuleMatch[] = [];
  for (const [policy, p] of Object.entries(compiled.data.semamesh.policies)) {
    for (const rule of p.rules) {
      rules.push({
        policy,
        rule: rule.name,
        action: rule.action,
        intents: rule.intents,
        matched: rule.intents.filter((i) => r.pairs.includes(i)),
      });
    }
  }
  return { language: guessLanguage(text, LANGUAGES), ...r, rules };
}

const show = (text: string, [a, b]: [number, number]) => `${JSON.stringify(text.slice(a, b))} [${a},${b})`;

/** The human-readable form of an explanation. */
export function formatExplanation(text: string, e: Explanation): string {
  const lines = [`language: ${e.language}   reader: ${e.reader}`];
  lines.push(e.pairs.length === 0 ? 'pairs: none' : 'pairs:');
  for (const ev of e.evidence) {
    const object = ev.object ? `  object ${show(text, ev.object)}` : '';
    lines.push(`  ${ev.pair.padEnd(22)} action ${show(text, ev.action)}${object}  (${ev.rule})`);
  }
  if (e.reader !== 'prose' && e.pairs.length > 0)
    lines.push(`  ${e.pairs.join(', ')}  (read as ${e.reader})`);
  if (e.rejected.length > 0) {
    lines.push('actions that produced nothing:');
    for (const r of e.rejected) lines.push(`  ${r.action.padEnd(10)} ${show(text, r.span)}: ${r.reason}`);
  }
  lines.push('rules:');
  for (const r of e.rules) {
    const head = `${r.policy} / ${r.rule} (${r.action})`;
    if (r.matched.length > 0) lines.push(`  ✓ ${head}: matched ${r.matched.join(', ')}`);
    else if (r.intents.length === 0)
      lines.push(`  · ${head}: no intent phrases (tool or text patterns only)`);
    else
      lines.push(
        `  · ${head}: wants one of ${r.intents.join(', ')}; the text has ${e.pairs.join(', ') || 'none'}`,
      );
  }
  return lines.join('\n');
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('show how the intent analyser reads a text and which policy rules it matches')
    .argument('[text]', 'the text to explain (or --file)')
    .option('--file <path>', 'read the text from a file')
    .option('--json', 'print the explanation as JSON (spans are [start, end) offsets)')
    .option('--policies <paths...>', 'SemaPolicy files or folders (default: the sample policy)')
    .action(async (arg: string | undefined, opts: ExplainOptions) => {
      const text = opts.file !== undefined ? await readFile(opts.file, 'utf8') : arg;
      if (text === undefined) throw new Error('explain: give a text or --file <path>');
      const e = await explainText(text, opts.policies ?? [samplePolicyPath()]);
      process.stdout.write(`${opts.json ? JSON.stringify(e, null, 2) : formatExplanation(text, e)}\n`);
    });
}
