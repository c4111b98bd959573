// Label and field selectors with the syntax and operators of k8s.io/apimachinery, used by list,
// watch and deletecollection; a selector that does not parse is a 400 like on a real server.
import type { KubeObject, ResourceType } from './resource-types.js';
import { badRequest } from './status.js';

export type Requirement =
  | { key: string; op: 'exists' | '!exists' }
  | { key: string; op: '=' | '!=' | '>' | '<'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] };

export type Matcher = (obj: KubeObject) => boolean;

export const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
export const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

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
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function checkKey(key: string, raw: string): string {
  if (!LABEL_KEY.test(key) || key.length > 316)
    throw badRequest(`unable to parse requirement: invalid label key "${key}" in "${raw}"`);
  return key;
}

function checkValue(value: string, raw: string): string {
  if (!LABEL_VALUE.test(value) || value.length > 63)
    throw badRequest(`unable to parse requirement: invalid label value "${value}" in "${raw}"`);
  return value;
}

export function parseLabelSelector(text: string | undefined): Requirement[] {
  if (!text) return [];
  return splitTopLevel(text).map((raw): Requirement => {
    let m = /^!\s*(\S+)$/.exec(raw);
    if (m) return { key: checkKey(m[1]!, raw), op: '!exists' };
    m = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/.exec(raw);
    if (m) {
      const values = m[3]!.split(',').map((v) => checkValue(v.trim(), raw));
      return { key: checkKey(m[1]!, raw), op: m[2] as 'in' | 'notin', values };
    }
    m = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(raw);
    if (m) {
      const op = m[2] === '==' ? '=' : (m[2] as '=' | '!=' | '>' | '<');
      const value = checkValue(m[3]!.trim(), raw);
      if ((op === '>' || op === '<') && !/^-?\d+$/.test(value))
        throw badRequest(
          `unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer in "${raw}"`,
        );
      return { key: checkKey(m[1]!, raw), op, value };
    }
    if (/^\S+$/.test(raw)) return { key: checkKey(raw, raw), op: 'exists' };
    throw badRequest(`unable to parse requirement: found '${raw}', expected: in, notin, =, ==, !=, gt, lt`);
  });
}

export function matchesLabels(reqs: Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of reqs) {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case '!exists':
        if (has) return false;
        break;
      case '=':
        if (!has || v !== r.value) return false;
        break;
      case '!=':
        if (has && v === r.value) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case '>':
      case '<': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        const n = Number(v);
        if (r.op === '>' ? !(n > Number(r.value)) : !(n < Number(r.value))) return false;
        break;
      }
    }
  }
  return true;
}

interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

function unescapeField(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

export function parseFieldSelector(text: string | undefined, type: ResourceType): FieldRequirement[] {
  if (!text) return [];
  const out: FieldRequirement[] = [];
  for (const raw of text.split(/(?<!\\),/)) {
    const part = raw.trim();
    if (!part) continue;
    const m = /^(.*?)(==|!=|=)(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const field = m[1]!.trim();
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && !type.fieldSelectors[field])
      throw badRequest(`field label not supported: ${field}`);
    out.push({ field, op: m[2] === '!=' ? '!=' : '=', value: unescapeField(m[3]!.trim()) });
  }
  return out;
}

function fieldValue(field: string, obj: KubeObject, type: ResourceType): string {
  const meta = obj.metadata ?? {};
  if (field === 'metadata.name') return String(meta.name ?? '');
  if (field === 'metadata.namespace') return String(meta.namespace ?? '');
  return type.fieldSelectors[field]?.(obj) ?? '';
}

export function matchesFields(reqs: FieldRequirement[], obj: KubeObject, type: ResourceType): boolean {
  for (const r of reqs) {
    const v = fieldValue(r.field, obj, type);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** One predicate for both selectors of a request. */
export function selectorMatcher(
  labelSelector: string | undefined,
  fieldSelector: string | undefined,
  type: ResourceType,
): Matcher {
  const labels = parseLabelSelector(labelSelector);
  const fields = parseFieldSelector(fieldSelector, type);
  if (labels.length === 0 && fields.length === 0) return () => true;
  return (obj) =>
    matchesLabels(labels, obj.metadata?.labels as Record<string, string> | undefined) &&
    matchesFields(fields, obj, type);
}
