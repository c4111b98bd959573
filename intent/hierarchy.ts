// The object hierarchy of intents (table < schema < database < cluster, pod < namespace < cluster, …)
// and how matching uses it: a policy phrase naming an object also matches the finer objects that
// used to be folded into it, so `drop database` keeps blocking `DROP TABLE` while `drop table` can
// now say "tables only". Documented in docs/intents.md.
import { OBJECT_PARENTS } from './lexicon.js';

/**
 * Objects that the analyser used to report as their parent (a table drop was `delete:database`).
 * Only these are added to a policy phrase's pairs: widening any other edge (a `delete namespace`
 * policy matching pod deletions) would change what existing policies mean.
 */
export const FOLDED_INTO_PARENT: ReadonlySet<string> = new Set(['table', 'schema']);

/** The chain of containers of an object, nearest first (`table` → schema, database, cluster, infrastructure). */
export function ancestors(object: string): string[] {
  const out: string[] = [];
  let o = OBJECT_PARENTS[object];
  while (o !== undefined && !out.includes(o)) {
    out.push(o);
    o = OBJECT_PARENTS[o];
  }
  return out;
}

/** The folded descendants of an object: `database` → [schema, table]. */
export function foldedDescendants(object: string): string[] {
  return [...FOLDED_INTO_PARENT].filter((d) => {
    let o = OBJECT_PARENTS[d];
    while (o !== undefined) {
      if (o === object) return true;
      if (!FOLDED_INTO_PARENT.has(o)) return false;
      o = OBJECT_PARENTS[o];
    }
    return false;
  });
}

/**
 * A policy phrase's pairs with the folded descendants of each object (`delete:database` → +
 * schema, table). A phrase naming a table or schema stays narrow: the SQL reader (sql.ts) reports
 * `DROP TABLE` as `delete:table` and `DROP SCHEMA` as `delete:schema`, as prose does.
 */
export function expandPolicyPairs(pairs: readonly string[]): string[] {
  const out = new Set(pairs);
  for (const p of pairs) {
    const at = p.indexOf(':');
    const [action, object] = [p.slice(0, at), p.slice(at + 1)];
    for (const d of foldedDescendants(object)) out.add(`${action}:${d}`);
  }
  return [...out].sort();
}
