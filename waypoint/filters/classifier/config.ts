// Reads classifier rules from the waypoint configuration (a YAML or JSON list), checking every
// field so a typo is a located SM_ERR_WAYPOINT_CONFIG error at start-up, not a silent pass-through.
// A rule without `when` only defines an endpoint that SemaPolicy rules name (`classifier.name`).
import { createRequire } from 'node:module';
import { configInvalid } from '../../errors.js';
import type { ClassifierRule } from './index.js';
import { TEMPLATES } from './templates.js';

// yaml is required at the first parse (a waypoint without classifier rules never loads it).
const require = createRequire(import.meta.url);
const parse = (source: string): unknown => (require('yaml') as typeof import('yaml')).parse(source);

const KEYS = new Set([
  'name',
  'endpoint',
  'model',
  'apiKey',
  'apiKeyEnv',
  'template',
  'when',
  'categories',
  'policy',
  'action',
  'failMode',
  'timeoutMs',
]);

function oneOf<T extends string>(v: unknown, allowed: readonly T[], where: string): T {
  if (typeof v !== 'string' || !allowed.includes(v as T))
    throw configInvalid(`${where}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** Parses `classifiers:` rules (the whole file may be the list, or an object holding it). */
export function parseClassifierRules(
  source: string,
  file: string,
  env: Record<string, string | undefined> = process.env,
): ClassifierRule[] {
  let doc: unknown;
  try {
    doc = parse(source);
  } catch (e) {
    throw configInvalid(`${file}: not YAML or JSON (${(e as Error).message})`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { classifiers?: unknown } | null)?.classifiers;
  if (!Array.isArray(list))
    throw configInvalid(`${file}: expected a list of classifier rules (or {classifiers: [...]})`);
  const names = new Set<string>();
  return list.map((raw: Record<string, unknown>, i: number): ClassifierRule => {
    const where = `${file}: classifiers[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw configInvalid(`${where}: expected an object`);
    for (const k of Object.keys(raw)) if (!KEYS.has(k)) throw configInvalid(`${where}: unknown field "${k}"`);
    if (typeof raw.name !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(raw.name))
      throw configInvalid(`${where}.name: expected a lowercase name (letters, digits, -)`);
    if (names.has(raw.name)) throw configInvalid(`${where}.name: "${raw.name}" is used twice`);
    names.add(raw.name);
    let endpoint: URL;
    try {
      endpoint = new URL(String(raw.endpoint));
    } catch {
      throw configInvalid(`${where}.endpoint: expected an http(s) URL, got ${JSON.stringify(raw.endpoint)}`);
    }
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:')
      throw configInvalid(`${where}.endpoint: expected an http(s) URL`);
    if (typeof raw.model !== 'string' || raw.model === '')
      throw configInvalid(`${where}.model: expected a model name`);
    if (
      raw.categories !== undefined &&
      (!Array.isArray(raw.categories) || !raw.categories.every((c) => typeof c === 'string'))
    )
      throw configInvalid(`${where}.categories: expected a list of strings`);
    if (
      raw.timeoutMs !== undefined &&
      (typeof raw.timeoutMs !== 'number' || raw.timeoutMs < 10 || raw.timeoutMs > 60_000)
    )
      throw configInvalid(`${where}.timeoutMs: expected milliseconds between 10 and 60000`);
    let apiKey = typeof raw.apiKey === 'string' ? raw.apiKey : undefined;
    if (raw.apiKeyEnv !== undefined) {
      apiKey = env[String(raw.apiKeyEnv)];
      if (!apiKey)
        throw configInvalid(`${where}.apiKeyEnv: environment variable ${String(raw.apiKeyEnv)} is not set`);
    }
    return {
      name: raw.name,
      endpoint: endpoint.href.replace(/\/+$/, ''),
      model: raw.model,
      apiKey,
      template: oneOf(
        raw.template,
        Object.keys(TEMPLATES) as Array<keyof typeof TEMPLATES>,
        `${where}.template`,
      ),
      when:
        raw.when === undefined
          ? undefined
          : oneOf(raw.when, ['unsure', 'tool-results', 'always'] as const, `${where}.when`),
      categories: raw.categories as string[] | undefined,
      policy: typeof raw.policy === 'string' ? raw.policy : undefined,
      action: oneOf(raw.action ?? 'BLOCK', ['BLOCK', 'AUDIT'] as const, `${where}.action`),
      failMode: oneOf(raw.failMode ?? 'closed', ['open', 'closed'] as const, `${where}.failMode`),
      timeoutMs: raw.timeoutMs as number | undefined,
    };
  });
}
