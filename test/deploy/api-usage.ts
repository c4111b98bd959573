// Derives the Kubernetes API permissions a process needs from its source: starting at the
// process's entry files it follows relative imports, finds every call through the kube
// helpers (kube/README.md maps helpers to RBAC verbs) and resolves which kind each call
// touches. The result is compared with deploy/'s Roles and ClusterRoles by rbac.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { REPO_ROOT } from './kustomize.js';

/** One permission: `resource` may carry a subresource (`semaincidents/status`, `nodes/checkpoint`). */
export interface Permission {
  group: string;
  resource: string;
  verb: string;
}

export interface ApiCall {
  file: string;
  line: number;
  helper: string;
  kinds: string[];
  permissions: Permission[];
}

export interface UsageReport {
  files: string[];
  calls: ApiCall[];
  /** Calls whose kind could not be told from the source: each needs an entry in `dynamic`. */
  unresolved: { file: string; line: number; helper: string; argument: string }[];
}

/** Helper → RBAC verbs (the table in kube/README.md). */
export const HELPER_VERBS: Record<string, { verbs: string[]; subresource?: string }> = {
  get: { verbs: ['get'] },
  find: { verbs: ['get'] },
  list: { verbs: ['list'] },
  listWithVersion: { verbs: ['list'] },
  create: { verbs: ['create'] },
  delete: { verbs: ['delete'] },
  apply: { verbs: ['patch', 'create'] },
  mergePatch: { verbs: ['patch'] },
  patchStatus: { verbs: ['patch'], subresource: 'status' },
  watchKind: { verbs: ['list', 'watch'] },
  watchSelected: { verbs: ['list', 'watch'] },
  // TokenReview and SubjectAccessReview: create-only kinds (the console's sign-in and RBAC checks).
  review: { verbs: ['create'] },
};

/** K8sClient members and k8s exports that make no authorized request (discovery is granted to all). */
export const NO_API_CALL = new Set([
  'constructor',
  // kube/labels.ts: label selector parsing and matching, in memory.
  'matchesLabels',
  'parseLabelSelector',
  'fromKubeconfig',
  'server',
  'resourceInfo',
  'pathOf',
  'raw',
  'withNamespace',
  'spec',
  'loadKubeConfig',
  'plain',
  'codeForStatus',
  'isK8sError',
  'isNotFound',
  'toK8sError',
  'groupVersion',
  'secretValues',
  'describeRef',
  'refOf',
  'normal',
  'warning',
  'event',
  'parseLabelSelector',
]);

/** Core and other built-in kinds the code can name → REST group and resource. */
export const BUILTIN_RESOURCES: Record<string, { group: string; resource: string }> = {
  Pod: { group: '', resource: 'pods' },
  Secret: { group: '', resource: 'secrets' },
  ConfigMap: { group: '', resource: 'configmaps' },
  Event: { group: '', resource: 'events' },
  Namespace: { group: '', resource: 'namespaces' },
  Node: { group: '', resource: 'nodes' },
  Lease: { group: 'coordination.k8s.io', resource: 'leases' },
  TokenReview: { group: 'authentication.k8s.io', resource: 'tokenreviews' },
  SubjectAccessReview: { group: 'authorization.k8s.io', resource: 'subjectaccessreviews' },
};

const CALL =
  /(?:\b[\w$]*[cC]lient\??\.(get|find|list|listWithVersion|create|delete|apply|mergePatch|patchStatus|review)|\b(watchKind|watchSelected))\s*(?:<[^()]*?>)?\(/g;

export interface ScanOptions {
  /** Our kinds (from the CRDs): kind → plural, group. */
  ourKinds: Record<string, { group: string; resource: string }>;
  /** `file:helper` → kinds, for calls on objects the code only knows at run time. */
  dynamic?: Record<string, string[]>;
}

/** Scans the files reachable from `entries` (repo-relative) and returns the calls found. */
export function scanApiUsage(entries: string[], options: ScanOptions): UsageReport {
  const files = reachableFiles(entries);
  const sources = new Map(files.map((f) => [f, readFileSync(resolve(REPO_ROOT, f), 'utf8')]));
  const report: UsageReport = { files, calls: [], unresolved: [] };
  const allKinds = new Set([...Object.keys(options.ourKinds), ...Object.keys(BUILTIN_RESOURCES)]);
  const ourKindNames = Object.keys(options.ourKinds);
  const kindOf = (kind: string) => options.ourKinds[kind] ?? BUILTIN_RESOURCES[kind];
  for (const [file, text] of sources) {
    const code = stripComments(text);
    const ctx: ResolveContext = { code, imported: importedNames(code), sources, known: allKinds };
    for (const m of code.matchAll(CALL)) {
      const helper = (m[1] ?? m[2]) as string;
      const open = (m.index ?? 0) + m[0].length;
      const args = callArguments(code, open);
      const line = code.slice(0, m.index).split('\n').length;
      // watchKind(client, kind, …): the kind is the second argument.
      const argument = (m[2] ? args[1] : args[0]) ?? '';
      let kinds = resolveKinds(argument, ctx, 0);
      if (kinds.size === 0 && /SEMAMESH_KINDS\s*\[/.test(argument))
        kinds = kindsNamedNearby(m.index ?? 0, ctx, ourKindNames);
      const declared = options.dynamic?.[`${file}:${helper}`];
      if (declared) kinds = new Set(declared);
      if (kinds.size === 0) {
        report.unresolved.push({ file, line, helper, argument: argument.trim() });
        continue;
      }
      const spec = HELPER_VERBS[helper];
      const permissions: Permission[] = [];
      for (const kind of kinds) {
        const r = kindOf(kind);
        if (!r) continue;
        const resource = spec.subresource ? `${r.resource}/${spec.subresource}` : r.resource;
        for (const verb of spec.verbs) permissions.push({ group: r.group, resource, verb });
      }
      report.calls.push({ file, line, helper, kinds: [...kinds].sort(), permissions });
    }
    if (/\bnew EventRecorder\s*\(/.test(code))
      report.calls.push({
        file,
        line: code.slice(0, code.search(/\bnew EventRecorder\s*\(/)).split('\n').length,
        helper: 'EventRecorder',
        kinds: ['Event'],
        permissions: ['create', 'patch'].map((verb) => ({ group: '', resource: 'events', verb })),
      });
  }
  return report;
}

/** Every permission of a report, de-duplicated, as `group/resource:verb` strings. */
export function permissionSet(report: UsageReport): Set<string> {
  const out = new Set<string>();
  for (const c of report.calls) for (const p of c.permissions) out.add(permissionKey(p));
  return out;
}

export function permissionKey(p: Permission): string {
  return `${p.group || 'core'}/${p.resource}:${p.verb}`;
}

// ---- source walking ---------------------------------------------------------------------------

/**
 * Files reachable through relative imports from `entries`, minus the helper layer and tests. A
 * barrel's `export { a } from './x.js'` is followed only when `a` is among the names imported from
 * the barrel, so importing one class from reconcilers/index.ts does not pull in all its siblings.
 */
export function reachableFiles(entries: string[]): string[] {
  const wanted = new Map<string, Set<string> | 'all'>();
  const queue: [string, Set<string> | 'all'][] = entries.map((e) => [e, 'all']);
  const scanned = new Map<string, string>();
  while (queue.length) {
    const [file, names] = queue.pop() as [string, Set<string> | 'all'];
    const prior = wanted.get(file);
    const merged = prior === 'all' || names === 'all' ? 'all' : new Set([...(prior ?? []), ...names]);
    if (prior && (prior === 'all' || (merged !== 'all' && merged.size === prior.size))) continue;
    wanted.set(file, merged);
    const text = scanned.get(file) ?? readFileSync(resolve(REPO_ROOT, file), 'utf8');
    scanned.set(file, text);
    const pattern =
      /(import|export)\s+(type\s+)?(\{[^}]*\}|\*(?:\s+as\s+\w+)?|[\w$]+(?:\s*,\s*\{[^}]*\})?)\s*from\s+['"](\.[^'"]+)['"]/g;
    for (const m of text.matchAll(pattern)) {
      if (m[2]) continue;
      const target = relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), m[4].replace(/\.js$/, '.ts')));
      if (!existsSync(resolve(REPO_ROOT, target)) || !followed(target)) continue;
      const listed = [...m[3].matchAll(/(?:^|[{,])\s*(?:type\s+)?([\w$]+)(?:\s+as\s+([\w$]+))?/g)];
      if (m[1] === 'import') {
        queue.push([target, m[3].startsWith('{') ? new Set(listed.map((l) => l[1])) : 'all']);
        continue;
      }
      // A re-export: follow it only for the names wanted from this file.
      if (m[3].startsWith('*')) queue.push([target, merged]);
      else {
        const hit = listed.filter((l) => merged === 'all' || merged.has(l[2] ?? l[1])).map((l) => l[1]);
        if (hit.length) queue.push([target, new Set(hit)]);
      }
    }
    for (const m of text.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
      const target = relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), m[1].replace(/\.js$/, '.ts')));
      if (existsSync(resolve(REPO_ROOT, target)) && followed(target)) queue.push([target, 'all']);
    }
  }
  return [...wanted.keys()].sort();
}

function followed(target: string): boolean {
  return !(
    target.startsWith('kube/') ||
    target.startsWith('engine/') ||
    target.startsWith('node_modules/') ||
    target.endsWith('.test.ts')
  );
}

function stripComments(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/[^\n]*/g, '$1');
}

/** The top-level, comma-separated arguments of the call whose `(` ends just before `open`. */
function callArguments(code: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let start = open;
  let quote: string | undefined;
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') {
      if (depth === 0) {
        args.push(code.slice(start, i));
        return args;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      args.push(code.slice(start, i));
      start = i + 1;
    }
  }
  return args;
}

interface ResolveContext {
  code: string;
  /** Names this file imports: resolved through `export const|function` in the scanned files. */
  imported: Set<string>;
  sources: Map<string, string>;
  known: Set<string>;
}

function importedNames(code: string): Set<string> {
  const out = new Set<string>();
  for (const m of code.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from/g))
    for (const part of m[1].split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop();
      if (name) out.add(name);
    }
  return out;
}

/**
 * Kinds an expression names: `SEMAMESH_KINDS.X`, `CORE_KINDS.X`, `kind: 'X'`, or identifiers whose
 * definition (a const or function of this file, or an imported export) resolves to kinds.
 */
function resolveKinds(expr: string, ctx: ResolveContext, depth: number): Set<string> {
  const out = new Set<string>();
  for (const m of expr.matchAll(/\b(?:SEMAMESH_KINDS|CORE_KINDS)\.(\w+)/g))
    if (ctx.known.has(m[1])) out.add(m[1]);
  for (const m of expr.matchAll(/\bkind:\s*['"](\w+)['"]/g)) if (ctx.known.has(m[1])) out.add(m[1]);
  if (out.size || depth > 4) return out;
  // What an object literal spreads (`{ ...POD_KIND, … }`) or a call builds (`incidentRef(…)`) names
  // its kind; the other identifiers (namespace, name) only matter when those say nothing.
  const heads = [...expr.matchAll(/(?:\.\.\.\s*|^\s*)([A-Za-z_$][\w$]*)/g)].map((m) => m[1]);
  for (const id of heads) {
    const found = definitionOf(id, ctx);
    if (found) for (const k of resolveKinds(found.text, found.ctx, depth + 1)) out.add(k);
  }
  if (out.size) return out;
  const identifiers = new Set(
    [...expr.replace(/\.\.\./g, ' ').matchAll(/(?<![.\w$'"])([A-Za-z_$][\w$]*)/g)].map((m) => m[1]),
  );
  for (const id of identifiers) {
    const found = definitionOf(id, ctx);
    if (found) for (const k of resolveKinds(found.text, found.ctx, depth + 1)) out.add(k);
  }
  return out;
}

/** A definition's text and the context of the file it is in (its own imports resolve there). */
function definitionOf(id: string, ctx: ResolveContext): { text: string; ctx: ResolveContext } | undefined {
  const local = findDefinition(id, ctx.code);
  if (local !== undefined) return { text: local, ctx };
  if (!ctx.imported.has(id)) return undefined;
  const exported = new RegExp(
    String.raw`export\s+(?:const|function|async function)\s+${id.replace(/\$/g, '\\$')}\b`,
  );
  for (const text of ctx.sources.values()) {
    if (!exported.test(text)) continue;
    const code = stripComments(text);
    const found = findDefinition(id, code);
    if (found !== undefined) return { text: found, ctx: { ...ctx, code, imported: importedNames(code) } };
  }
  return undefined;
}

/** The text of `const id = …` (to the end of the statement) or `function id(…) {…}` in `code`. */
function findDefinition(id: string, code: string): string | undefined {
  const escaped = id.replace(/\$/g, '\\$');
  const decl = new RegExp(String.raw`\b(?:const|let)\s+${escaped}\s*(?::[^=]+)?=\s*`).exec(code);
  if (decl) return statementAt(code, decl.index + decl[0].length);
  const fn = new RegExp(String.raw`\bfunction\s+${escaped}\s*\(`).exec(code);
  if (fn) {
    const bodyStart = code.indexOf('{', fn.index);
    return `${code.slice(fn.index, bodyStart)} ${callArguments(code, bodyStart + 1)[0] ?? ''}`;
  }
  return undefined;
}

/** From `start` to the `;` (or line end) that closes the statement at bracket depth 0. */
function statementAt(code: string, start: number): string {
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < code.length; i++) {
    const c = code[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    else if (depth <= 0 && (c === ';' || c === '\n')) return code.slice(start, i);
  }
  return code.slice(start);
}

/**
 * For `SEMAMESH_KINDS[kind]`: the kinds of the enclosing `for (const kind of LIST)` (a literal or a
 * resolvable constant) within the 20 lines before the call; all our kinds when nothing says.
 */
function kindsNamedNearby(at: number, ctx: ResolveContext, ourKinds: string[]): Set<string> {
  const before = ctx.code.slice(0, at).split('\n').slice(-20).join('\n');
  let text = before;
  for (const m of before.matchAll(/for\s*\(\s*const\s+\w+\s+of\s+([A-Za-z_$][\w$]*)\s*\)/g))
    text += `\n${definitionOf(m[1], ctx)?.text ?? ''}`;
  const named = ourKinds.filter((k) => new RegExp(`['"]${k}['"]`).test(text));
  return new Set(named.length ? named : ourKinds);
}
