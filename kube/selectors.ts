// Kubernetes label selectors (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`,
// `a<1`, comma-joined) with k8s.io/apimachinery's syntax and matching, shared by the node agent's pod
// selection, GitOps and the in-repo API test server, so the three can never disagree.

import { LabelSelectorError } from './errors.js';

export { LabelSelectorError };

export type Requirement =
  | { key: string; op: 'exists' | '!exists' }
  | { key: string; op: '=' | '!=' | '>' | '<'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] };

/** A qualified label key: optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
export const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
export const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function fail(why: string, raw: string): never {
  throw new LabelSelectorError(`unable to parse requirement: ${why} in "${raw}"`);
}

/** Splits on the commas that are not inside a `( … )` value set. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim());
}

function key(k: string, raw: string): string {
  if (!LABEL_KEY.test(k) || k.length > 316) fail(`invalid label key "${k}"`, raw);
  return k;
}

function value(v: string, raw: string): string {
  if (!LABEL_VALUE.test(v) || v.length > 63) fail(`invalid label value "${v}"`, raw);
  return v;
}

/**
 * Parses a label selector; the empty selector matches everything. An empty requirement between
 * commas (`a=b,,c`) is an error, as it is for the API server.
 */
export function parseLabelSelector(text: string | undefined): Requirement[] {
  if (!text?.trim()) return [];
  return splitTopLevel(text).map((raw): Requirement => {
    if (!raw) fail('empty requirement', text);
    let m = /^!\s*(\S+)$/.exec(raw);
    if (m) return { key: key(m[1]!, raw), op: '!exists' };
    m = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/.exec(raw);
    if (m) {
      const values = m[3]!.split(',').map((v) => value(v.trim(), raw));
      return { key: key(m[1]!, raw), op: m[2] as 'in' | 'notin', values };
    }
    m = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(raw);
    if (m) {
      const op = m[2] === '==' ? '=' : (m[2] as '=' | '!=' | '>' | '<');
      const v = value(m[3]!.trim(), raw);
      if ((op === '>' || op === '<') && !/^-?\d+$/.test(v))
        fail(`for 'Gt', 'Lt' operators, the value must be an integer`, raw);
      return { key: key(m[1]!, raw), op, value: v };
    }
    if (/^\S+$/.test(raw)) return { key: key(raw, raw), op: 'exists' };
    return fail(`found '${raw}', expected: in, notin, =, ==, !=, gt, lt`, raw);
  });
}

/** True when every requirement holds for the labels (a missing label map has no labels). */
export function matchesLabels(
  reqs: readonly Requirement[],
  labels: Record<string, string> | undefined,
): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case '=':
        return has && v === r.value;
      case '!=':
        return !has || v !== r.value;
      case 'in':
        return has && r.values.includes(v!);
      case 'notin':
        return !has || !r.values.includes(v!);
      default: {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        const n = Number(v);
        return r.op === '>' ? n > Number(r.value) : n < Number(r.value);
      }
    }
  });
}
