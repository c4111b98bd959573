// Label and field selectors for list, watch and deletecollection: label selectors come from the
// shared kube/selectors.ts; a selector that does not parse is a 400 like on a real server.

import {
  LabelSelectorError,
  matchesLabels,
  parseLabelSelector as parseSharedSelector,
  type Requirement,
} from '../../kube/selectors.js';
import type { KubeObject, ResourceType } from './resource-types.js';
import { badRequest } from './status.js';

export { LABEL_KEY, LABEL_VALUE, matchesLabels } from '../../kube/selectors.js';

export type Matcher = (obj: KubeObject) => boolean;

/** Parses a label selector; what does not parse is a 400 BadRequest, as on a real API server. */
export function parseLabelSelector(text: string | undefined): Requirement[] {
  try {
    return parseSharedSelector(text);
  } catch (err) {
    if (err instanceof LabelSelectorError) throw badRequest(err.message);
    throw err;
  }
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
