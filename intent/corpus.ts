// The labelled intent corpus (intent/corpus): its loader and the scoring of a canonicalizer
// against it, shared by intent/corpus.test.ts and bench/intents.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Canonicalizer } from './canonicalize.js';

export const CORPUS_DIR = new URL('./corpus/', import.meta.url).pathname;

/** Actions whose pairs count as destructive wherever they appear on a benign example. */
export const DESTRUCTIVE_ACTIONS: ReadonlySet<string> = new Set(['delete', 'disable', 'stop']);

/** Which split an example belongs to: tuned on, or never looked at while tuning (corpus/heldout/). */
export type Split = 'tuned' | 'heldout';

export interface Example {
  category: string;
  /** BCP 47 language of the text (the file's `language`, default `en`). */
  language: string;
  split: Split;
  file: string;
  index: number;
  text?: string;
  toolCall?: { name: string; arguments: unknown };
  expect: string[];
  allow: string[];
  label: 'destructive' | 'benign';
  note?: string;
}

const PAIR = /^[a-z]+:[a-z]+$/;

function isDestructive(pair: string): boolean {
  return DESTRUCTIVE_ACTIONS.has(pair.slice(0, pair.indexOf(':')));
}

function stringList(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((p) => typeof p === 'string' && PAIR.test(p))) {
    throw new Error(`${where}: expected a list of action:object pairs`);
  }
  return v as string[];
}

/** Parses and checks one corpus file; a malformed example is an error naming the file and index. */
export function parseCorpusFile(file: string, source: string, split: Split = 'tuned'): Example[] {
  const doc = parse(source) as { category?: unknown; language?: unknown; examples?: unknown };
  if (typeof doc?.category !== 'string' || !Array.isArray(doc.examples)) {
    throw new Error(`${file}: expected {category, examples: [...]}`);
  }
  if (doc.language !== undefined && (typeof doc.language !== 'string' || !/^[a-z]{2}$/.test(doc.language)))
    throw new Error(`${file}: language must be a two-letter code`);
  const fileCategory = doc.category;
  const language = (doc.language as string | undefined) ?? 'en';
  return doc.examples.map((raw: Record<string, unknown>, index: number): Example => {
    const where = `${file}#${index}`;
    if (raw?.category !== undefined && typeof raw.category !== 'string')
      throw new Error(`${where}: category must be a string`);
    const category = (raw?.category as string | undefined) ?? fileCategory;
    if (raw?.language !== undefined && (typeof raw.language !== 'string' || !/^[a-z]{2}$/.test(raw.language)))
      throw new Error(`${where}: language must be a two-letter code`);
    const hasText = typeof raw?.text === 'string';
    const tc = raw?.toolCall as { name?: unknown; arguments?: unknown } | undefined;
    if (hasText === (tc !== undefined)) throw new Error(`${where}: exactly one of text or toolCall`);
    if (tc !== undefined && typeof tc.name !== 'string')
      throw new Error(`${where}: toolCall.name must be a string`);
    if (raw.label !== 'destructive' && raw.label !== 'benign') throw new Error(`${where}: bad label`);
    const expect = stringList(raw.expect, `${where}.expect`);
    const allow = stringList(raw.allow, `${where}.allow`);
    if (raw.label === 'destructive' && expect.length === 0) {
      throw new Error(`${where}: a destructive example needs at least one expected pair`);
    }
    if (raw.label === 'benign' && [...expect, ...allow].some(isDestructive)) {
      throw new Error(`${where}: a benign example cannot expect or allow a destructive pair`);
    }
    return {
      category,
      language: (raw.language as string | undefined) ?? language,
      split,
      file,
      index,
      text: hasText ? (raw.text as string) : undefined,
      toolCall: tc ? { name: tc.name as string, arguments: tc.arguments ?? {} } : undefined,
      expect,
      allow,
      label: raw.label,
      note: typeof raw.note === 'string' ? raw.note : undefined,
    };
  });
}

/** Reads and checks every corpus file in a folder (one split). */
function loadSplit(dir: string, split: Split, prefix: string): Example[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  return files.flatMap((file) =>
    parseCorpusFile(prefix + file, readFileSync(join(dir, file), 'utf8'), split),
  );
}

/** The tuned split: every corpus file at the top of the folder. */
export function loadCorpus(dir = CORPUS_DIR): Example[] {
  return loadSplit(dir, 'tuned', '');
}

/**
 * The never-tuned split (corpus/heldout/): scored and reported, never used to adjust the analyser.
 * Its batches, in the order they were written: the files at the top of the folder, then one
 * subfolder per later batch (each committed alone before the analyser changes that followed it).
 */
export function loadHeldOutBatches(dir = CORPUS_DIR): Map<string, Example[]> {
  const root = join(dir, 'heldout');
  const batches = new Map([['heldout', loadSplit(root, 'heldout', 'heldout/')]]);
  const subfolders = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const sub of subfolders) {
    batches.set(`heldout/${sub}`, loadSplit(join(root, sub), 'heldout', `heldout/${sub}/`));
  }
  return batches;
}

/** Every never-tuned batch together. */
export function loadHeldOut(dir = CORPUS_DIR): Example[] {
  return [...loadHeldOutBatches(dir).values()].flat();
}

export function canonicalizeExample(c: Canonicalizer, e: Example): string[] {
  return e.toolCall ? c.toolCall(e.toolCall.name, e.toolCall.arguments) : c.pairs(e.text ?? '');
}

export interface Outcome {
  example: Example;
  got: string[];
  /** Destructive: every expected pair found. Benign: nothing destructive and nothing unexpected. */
  ok: boolean;
  /** Pairs produced beyond expect ∪ allow (for destructive examples: reported, not counted). */
  extra: string[];
}

export interface Score {
  outcomes: Outcome[];
  destructive: number;
  benign: number;
  recall: number;
  falsePositiveRate: number;
  /** Destructive examples that also produced unexpected pairs. */
  overExtraction: number;
  perCategory: Map<string, Tally>;
  perLanguage: Map<string, Tally>;
}

/** Counts of one slice of the corpus. */
export interface Tally {
  destructive: number;
  hits: number;
  benign: number;
  falsePositives: number;
}

export function scoreCorpus(c: Canonicalizer, corpus: Example[]): Score {
  const outcomes: Outcome[] = [];
  const perCategory: Score['perCategory'] = new Map();
  const perLanguage: Score['perLanguage'] = new Map();
  const tally = (m: Map<string, Tally>, k: string): Tally => {
    let row = m.get(k);
    if (!row) {
      row = { destructive: 0, hits: 0, benign: 0, falsePositives: 0 };
      m.set(k, row);
    }
    return row;
  };
  let hits = 0;
  let falsePositives = 0;
  let overExtraction = 0;
  for (const example of corpus) {
    const got = canonicalizeExample(c, example);
    const tolerated = new Set([...example.expect, ...example.allow]);
    const extra = got.filter((p) => !tolerated.has(p));
    const rows = [tally(perCategory, example.category), tally(perLanguage, example.language)];
    let ok: boolean;
    if (example.label === 'destructive') {
      ok = example.expect.every((p) => got.includes(p));
      for (const row of rows) row.destructive++;
      if (ok) {
        hits++;
        for (const row of rows) row.hits++;
      }
      if (extra.length > 0) overExtraction++;
    } else {
      const destructive = got.some(isDestructive);
      ok = !destructive && extra.length === 0;
      for (const row of rows) row.benign++;
      if (!ok) {
        falsePositives++;
        for (const row of rows) row.falsePositives++;
      }
    }
    outcomes.push({ example, got, ok, extra });
  }
  const destructive = corpus.filter((e) => e.label === 'destructive').length;
  const benign = corpus.length - destructive;
  return {
    outcomes,
    destructive,
    benign,
    recall: destructive === 0 ? 1 : hits / destructive,
    falsePositiveRate: benign === 0 ? 0 : falsePositives / benign,
    overExtraction,
    perCategory,
    perLanguage,
  };
}

function describe(e: Example): string {
  return e.text !== undefined
    ? JSON.stringify(e.text)
    : `${e.toolCall!.name}(${JSON.stringify(e.toolCall!.arguments)})`;
}

/** A human-readable summary: totals, per-category counts and (optionally) every failing example. */
export function formatScore(s: Score, withFailures: boolean): string {
  const lines = [
    `corpus: ${s.outcomes.length} examples (${s.destructive} destructive, ${s.benign} benign = ${((100 * s.benign) / s.outcomes.length).toFixed(1)} %)`,
    `recall: ${(s.recall * 100).toFixed(1)} %   false-positive rate: ${(s.falsePositiveRate * 100).toFixed(1)} %   destructive with extra pairs: ${s.overExtraction}`,
  ];
  const table = (title: string, m: Map<string, Tally>) => {
    lines.push(`${title.padEnd(20)}destructive  hits  recall  benign  false-positives    FP %`);
    for (const [name, r] of [...m].sort(([a], [b]) => a.localeCompare(b))) {
      const recall = r.destructive === 0 ? '—' : (r.hits / r.destructive).toFixed(3);
      const fp = r.benign === 0 ? '—' : ((100 * r.falsePositives) / r.benign).toFixed(1);
      lines.push(
        `${name.padEnd(20)}${String(r.destructive).padStart(11)}${String(r.hits).padStart(6)}${recall.padStart(8)}${String(r.benign).padStart(8)}${String(r.falsePositives).padStart(17)}${fp.padStart(8)}`,
      );
    }
  };
  table('language', s.perLanguage);
  table('category', s.perCategory);
  if (withFailures) {
    for (const o of s.outcomes.filter((x) => !x.ok)) {
      const e = o.example;
      lines.push(
        `  ✗ ${e.label === 'destructive' ? 'miss' : 'FP  '} ${e.file}#${e.index} ${describe(e)} expect=[${e.expect}] got=[${o.got}]`,
      );
    }
  }
  return lines.join('\n');
}
