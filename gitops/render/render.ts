// Turns the YAML under a synced directory into the objects a source applies: every file is validated
// against the API schemas and the whole set is compiled with the engine before anything reaches a
// cluster, so one bad file blocks the revision and the diagnostics name file:line:col.
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  API_VERSION,
  type Diagnostic as ApiDiagnostic,
  type Kind,
  type SemaPolicy,
  type SemaQuota,
  validateDocuments,
} from '../../api/index.js';
import { compileResources, type Diagnostic as EngineDiagnostic } from '../../engine/index.js';
import { regoLocator } from './rego-locations.js';

/** Kinds a source applies. SemaPolicySource (nesting) and SemaIncident (runtime records) are skipped. */
export const APPLIED_KINDS: readonly Kind[] = ['SemaPolicy', 'SemaQuota'];

export interface RenderDiagnostic {
  /** Repository-relative path (`policies/deny.yaml`). */
  file: string;
  line: number;
  col: number;
  code: string;
  severity: 'error' | 'warning' | 'note';
  message: string;
}

export interface RenderedObject {
  apiVersion: string;
  kind: Kind;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: Record<string, unknown>;
  /** Where it came from, for messages. */
  source: { file: string; line: number };
}

export interface RenderResult {
  objects: RenderedObject[];
  diagnostics: RenderDiagnostic[];
  errors: number;
  /** `sha256:<hex>` over the rendered objects, independent of file order and formatting. */
  digest: string;
  /** The compiled OPA bundle (tar.gz) when there were no errors. */
  bundle?: Uint8Array;
  files: number;
}

export interface RenderOptions {
  /** Root of the exported tree (file names in diagnostics are relative to it). */
  root: string;
  /** Directory under root to read; `.` for all of it. */
  path: string;
  /** Namespace for objects that name none (the source's namespace). */
  defaultNamespace: string;
  /** Revision stamped into the bundle manifest. */
  revision?: string;
  /** Skip the compile step (tests of parsing only). Default false. */
  skipCompile?: boolean;
  /** `single` for local mode (one tenant: every policy applies to every agent); default `namespaced`. */
  tenancy?: 'namespaced' | 'single';
}

const SERVER_FIELDS = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
];

const SKIP_DIRS = new Set(['node_modules', 'dist', 'build']);

/** Every YAML file under `dir` (the files `semamesh validate <dir>` reads: hidden entries and dependency folders skipped), sorted by path; an empty list when `dir` does not exist. */
export async function listYamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    let entries: Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (err) {
      if (
        (err as NodeJS.ErrnoException).code === 'ENOENT' ||
        (err as NodeJS.ErrnoException).code === 'ENOTDIR'
      )
        return;
      throw err;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(p);
      } else if (e.isFile() && /\.ya?ml$/i.test(e.name)) out.push(p);
    }
  };
  await walk(dir);
  return out;
}

export function formatRenderDiagnostic(d: RenderDiagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  const prefix = d.severity === 'error' ? '' : `${d.severity}: `;
  return `${where}: ${prefix}${d.code}: ${d.message}`;
}

const fromApi = (d: ApiDiagnostic, file: string): RenderDiagnostic => ({
  file,
  line: d.line,
  col: d.col,
  code: d.code,
  severity: d.severity,
  message: d.path ? `${d.message} (at ${d.path})` : d.message,
});

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}

export function digestOf(objects: readonly RenderedObject[]): string {
  const h = createHash('sha256');
  const keyed = objects.map((o) => [objectKey(o), canonical({ ...o, source: undefined })] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [, o] of keyed) h.update(JSON.stringify(o)).update('\n');
  return `sha256:${h.digest('hex')}`;
}

export const objectKey = (o: { kind: string; metadata: { namespace?: string; name: string } }) =>
  `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Reads, validates and compiles; never throws for problems in the files (they become diagnostics). */
export async function renderDirectory(options: RenderOptions): Promise<RenderResult> {
  const diagnostics: RenderDiagnostic[] = [];
  const objects: RenderedObject[] = [];
  const seen = new Map<string, RenderedObject>();
  const base = options.path === '.' ? options.root : join(options.root, options.path);
  const files = await listYamlFiles(base);
  const texts = new Map<string, string>();
  for (const abs of files) {
    const file = relative(options.root, abs);
    let text: string;
    try {
      text = await readFile(abs, 'utf8');
    } catch (err) {
      diagnostics.push({
        file,
        line: 0,
        col: 0,
        code: 'SM_ERR_API_FILE_READ',
        severity: 'error',
        message: `cannot read: ${String(err)}`,
      });
      continue;
    }
    texts.set(file, text);
    const report = validateDocuments(text, file);
    for (const d of report.diagnostics) diagnostics.push(fromApi(d, file));
    for (const doc of report.documents) {
      if (doc.type !== 'semamesh' || !doc.valid || !doc.kind) continue;
      if (!APPLIED_KINDS.includes(doc.kind)) {
        diagnostics.push({
          file,
          line: doc.line,
          col: 1,
          code: 'SM_NOTE_API_IGNORED',
          severity: 'note',
          message: `${doc.kind} ${doc.name ?? ''} is not applied by a SemaPolicySource (only ${APPLIED_KINDS.join(' and ')})`,
        });
        continue;
      }
      const raw = doc.object as { metadata: Record<string, unknown>; spec?: Record<string, unknown> };
      const metadata = { ...raw.metadata } as RenderedObject['metadata'] & Record<string, unknown>;
      for (const f of SERVER_FIELDS) delete metadata[f];
      metadata.namespace = (metadata.namespace as string | undefined) ?? options.defaultNamespace;
      if (typeof metadata.name !== 'string') {
        diagnostics.push({
          file,
          line: doc.line,
          col: 1,
          code: 'SM_ERR_GITOPS_INVALID_CONTENT',
          severity: 'error',
          message: `${doc.kind}: metadata.generateName is not supported in a policy repository; set metadata.name`,
        });
        continue;
      }
      const obj: RenderedObject = {
        apiVersion: API_VERSION,
        kind: doc.kind,
        metadata,
        spec: raw.spec ?? {},
        source: { file, line: doc.line },
      };
      const key = objectKey(obj);
      const prev = seen.get(key);
      if (prev) {
        diagnostics.push({
          file,
          line: doc.line,
          col: 1,
          code: 'SM_ERR_GITOPS_INVALID_CONTENT',
          severity: 'error',
          message: `${obj.kind} ${metadata.namespace}/${metadata.name} is also defined at ${prev.source.file}:${prev.source.line}`,
        });
        continue;
      }
      seen.set(key, obj);
      objects.push(obj);
    }
  }
  let bundle: Uint8Array | undefined;
  if (!options.skipCompile && !diagnostics.some((d) => d.severity === 'error')) {
    const policies = objects.filter((o) => o.kind === 'SemaPolicy') as unknown as SemaPolicy[];
    const quotas = objects.filter((o) => o.kind === 'SemaQuota') as unknown as SemaQuota[];
    const compiled = compileResources(
      { policies, quotas },
      { revision: options.revision, tenancy: options.tenancy },
    );
    const locate = regoLocator(objects, texts);
    for (const d of compiled.diagnostics) diagnostics.push(locate(d as EngineDiagnostic));
    bundle = compiled.bundle;
  }
  diagnostics.sort((a, b) =>
    a.file !== b.file ? (a.file < b.file ? -1 : 1) : a.line - b.line || a.col - b.col,
  );
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return {
    objects,
    diagnostics,
    errors,
    digest: digestOf(objects),
    bundle: errors === 0 ? bundle : undefined,
    files: files.length,
  };
}
