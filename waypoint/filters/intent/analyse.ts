// One unit of analysis of the intent filter — a message, a seam between two messages, a tool
// definition or a tool call in the history — as plain data, so it runs the same on the event loop
// or in an analysis worker (pool.ts).
import type { Discourse } from '../../../intent/index.js';
import { piiKinds } from '../redact/detect.js';
import type { Canonicalizer } from '../types.js';

/** What one text yields: its intents, its PII kinds and, for messages, its discourse. */
export interface TextFeatures {
  intents: string[];
  pii: string[];
  /** Messages only: the entities it leaves salient and its unresolved pronouns. */
  discourse?: Discourse;
  /** Messages analysed in a worker: where each pair came from, for the audit record's spans. */
  evidence?: Evidence[];
}

/** Where a pair came from in a message (offsets only): see Canonicalizer.explain. */
export interface Evidence {
  pair: string;
  action: [number, number];
  object?: [number, number];
  rule: string;
}

export type AnalysisJob =
  /**
   * A message; `own` is the part read on its own (a continuation's first sentence is read in the
   * seam). `evidence`: also say where its pairs came from (done in workers, so writing the audit
   * record of a large request does not read it again on the event loop).
   */
  | { kind: 'message'; text: string; own: string; evidence?: boolean }
  /** The text across the boundary of two messages, read as one. */
  | { kind: 'seam'; text: string }
  /** A tool definition or output schema of `tool`. */
  | { kind: 'spec'; text: string; tool: string }
  /** A tool call in the history; `text` is its arguments as JSON (for PII and the budget). */
  | { kind: 'call'; text: string; name: string; args: unknown };

export function analyse(c: Canonicalizer, job: AnalysisJob): TextFeatures {
  switch (job.kind) {
    case 'message': {
      const f: TextFeatures = {
        intents: job.own ? c.pairs(job.own) : [],
        pii: piiKinds(job.text),
        discourse: c.discourse?.(job.text),
      };
      if (job.evidence && c.explain) f.evidence = f.intents.length > 0 ? c.explain(job.text).evidence : [];
      return f;
    }
    case 'seam':
      return { intents: seamPairs(c, job.text), pii: piiKinds(job.text) };
    case 'spec': {
      // A description naming its own tool's action ("Deletes a namespace" on delete_namespace) is
      // not a request.
      const own = new Set(job.tool ? c.toolCall(job.tool, {}) : []);
      return { intents: c.pairs(job.text).filter((p) => !own.has(p)), pii: piiKinds(job.text) };
    }
    case 'call':
      return { intents: c.toolCall(job.name, job.args), pii: piiKinds(job.text) };
  }
}

/**
 * The pairs of a seam, without those that only a pronoun resolved ("…payments-old." + "Drop it
 * from the agenda."): what a pronoun in one message stands for in another is decided by the
 * conversation's salience (intent/coreference.ts), which weighs nearer referents and readings the
 * sentence-level rule cannot see; a seam is for sentences split across the boundary.
 */
function seamPairs(c: Canonicalizer, text: string): string[] {
  const pairs = c.pairs(text);
  if (pairs.length === 0 || !c.explain) return pairs;
  const rules = new Map<string, Set<string>>();
  for (const e of c.explain(text).evidence) {
    const r = rules.get(e.pair) ?? new Set<string>();
    rules.set(e.pair, r);
    r.add(e.rule);
  }
  return pairs.filter((p) => {
    const r = rules.get(p);
    return r === undefined || r.size !== 1 || !r.has('pronoun');
  });
}
