// rego.metadata.rule() and rego.metadata.chain() (OPA's RewriteRegoMetadataCalls): the calls are
// replaced at compile time by constants built from the rule's and its packages' annotations.
import type { Annotations, Body, Expr, Module, Rule, Term } from '../syntax/ast.js';
import { fullHeadRef } from './rule-tree.js';
import { walkBody, walkTerm } from './terms.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A JSON value as a term (numbers keep their literal text). */
export function jsonTerm(v: Json, loc?: Term['loc']): Term {
  if (v === null) return { type: 'null', loc };
  if (typeof v === 'boolean') return { type: 'boolean', value: v, loc };
  if (typeof v === 'number') return { type: 'number', value: String(v), loc };
  if (typeof v === 'string') return { type: 'string', value: v, loc };
  if (Array.isArray(v)) return { type: 'array', value: v.map((x) => jsonTerm(x, loc)), loc };
  return {
    type: 'object',
    value: Object.entries(v).map(([k, x]): [Term, Term] => [
      { type: 'string', value: k, loc },
      jsonTerm(x, loc),
    ]),
    loc,
  };
}

/** OPA's JSON form of an annotation block: authors as {name, email}, related resources as {ref}. */
function annotationJson(a: Annotations): Json {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(a.raw)) {
    if (k === 'authors' && Array.isArray(v)) {
      out.authors = v.map((x) => {
        if (typeof x !== 'string') return x as Json;
        const m = /^(.*?)\s*<([^>]+)>\s*$/.exec(x);
        return m ? (m[1] ? { name: m[1], email: m[2] } : { email: m[2] }) : { name: x.trim() };
      });
    } else if (k === 'related_resources' && Array.isArray(v)) {
      out.related_resources = v.map((x) => (typeof x === 'string' ? { ref: x } : (x as Json)));
    } else out[k] = v as Json;
  }
  out.scope = a.scope;
  return out;
}

const pathKey = (p: string[]): string => p.join('\u0000');

function strings(ts: Term[]): string[] | undefined {
  const out: string[] = [];
  for (const t of ts) {
    if (t.type !== 'string') return undefined;
    out.push(t.value);
  }
  return out;
}

function isMetadataCall(t: Term, name: 'rule' | 'chain'): boolean {
  if (t.type !== 'call') return false;
  const op = t.value[0];
  return (
    t.value.length === 1 &&
    op.type === 'ref' &&
    op.value.length === 3 &&
    op.value[0].type === 'var' &&
    op.value[0].value === 'rego' &&
    op.value[1].type === 'string' &&
    op.value[1].value === 'metadata' &&
    op.value[2].type === 'string' &&
    op.value[2].value === name
  );
}

/** Replaces metadata calls in every rule body and head. */
export function rewriteMetadataCalls(modules: Module[]): void {
  const packages = new Map<string, Annotations>();
  const subpackages = new Map<string, Annotations>();
  const documents = new Map<string, Annotations>();
  for (const m of modules) {
    const pkg = strings(m.package.path.slice(1)) ?? [];
    for (const a of m.annotations) {
      if (a.scope === 'package') packages.set(pathKey(pkg), a);
      if (a.scope === 'subpackages') subpackages.set(pathKey(pkg), a);
    }
    for (const r of m.rules) {
      if (r.annotations?.scope !== 'document') continue;
      const path = strings(fullHeadRef(m, r));
      if (path) documents.set(pathKey(path), r.annotations);
    }
  }
  for (const m of modules) {
    const pkg = strings(m.package.path.slice(1)) ?? [];
    for (const r of m.rules) {
      const path = strings(fullHeadRef(m, r)) ?? pkg;
      const own = r.annotations?.scope === 'rule' ? r.annotations : undefined;
      const ruleValue = own ? annotationJson(own) : {};
      const chain: Json[] = [own ? { path, annotations: annotationJson(own) } : { path }];
      const doc = documents.get(pathKey(path));
      if (doc) chain.push({ path, annotations: annotationJson(doc) });
      const pa = packages.get(pathKey(pkg));
      if (pa) chain.push({ path: pkg, annotations: annotationJson(pa) });
      for (let n = pkg.length; n >= 0; n--) {
        const sa = subpackages.get(pathKey(pkg.slice(0, n)));
        if (sa) chain.push({ path: pkg.slice(0, n), annotations: annotationJson(sa) });
      }
      for (let link: Rule | undefined = r; link; link = link.else) rewriteRule(link, ruleValue, chain);
    }
  }
}

function rewriteRule(r: Rule, rule: Json, chain: Json[]): void {
  const replace = (t: Term): Term | undefined => {
    if (isMetadataCall(t, 'rule')) return jsonTerm(rule, t.loc);
    if (isMetadataCall(t, 'chain')) return jsonTerm(chain, t.loc);
    return undefined;
  };
  const fixTerm = (t: Term): void => {
    // Rewrites in place: the walker visits the parent container, whose slots we patch.
    const slots: Term[] | undefined =
      t.type === 'array' || t.type === 'set' || t.type === 'ref' || t.type === 'call' ? t.value : undefined;
    if (slots) for (let i = 0; i < slots.length; i++) slots[i] = replace(slots[i]) ?? slots[i];
    if (t.type === 'object') t.value = t.value.map(([k, v]) => [replace(k) ?? k, replace(v) ?? v]);
  };
  const fixExpr = (e: Expr): void => {
    if (Array.isArray(e.terms)) e.terms = e.terms.map((x) => replace(x) ?? x);
    else if (e.terms.type !== 'some' && e.terms.type !== 'every') e.terms = replace(e.terms) ?? e.terms;
    for (const w of e.with) w.value = replace(w.value) ?? w.value;
  };
  const body: Body = r.body;
  walkBody(body, fixTerm, fixExpr);
  if (r.head.value) {
    r.head.value = replace(r.head.value) ?? r.head.value;
    walkTerm(r.head.value, fixTerm, fixExpr);
  }
  if (r.head.key) {
    r.head.key = replace(r.head.key) ?? r.head.key;
    walkTerm(r.head.key, fixTerm, fixExpr);
  }
}
