// A renderer for the subset of kustomize that deploy/ uses, so CI can render and check both
// overlays without kubectl: resources (files and kustomization directories), namespace, labels,
// images and strategic-merge patches. Generators are left out on purpose (configuration is plain
// container env, patched by name), and anything outside that subset is an error, never silently ignored.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { strategicMerge } from './strategic-merge.js';

export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

export class KustomizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KustomizeError';
  }
}

interface Target {
  kind?: string;
  name?: string;
  namespace?: string;
  group?: string;
  version?: string;
}

interface Kustomization {
  resources?: string[];
  namespace?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  patches?: { path?: string; patch?: string; target?: Target }[];
}

const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'images', 'patches']);

/** Kinds without a namespace (the ones deploy/ can contain). */
export const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'PriorityClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'StorageClass',
  'Node',
]);

const POD_TEMPLATE_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job']);

export function loadYamlObjects(text: string, where: string): KObject[] {
  const out: KObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new KustomizeError(`${where}: ${doc.errors[0].message}`);
    const value = doc.toJS() as KObject | null;
    if (value === null) continue;
    if (typeof value !== 'object' || !value.kind || !value.apiVersion || !value.metadata?.name)
      throw new KustomizeError(`${where}: a document without apiVersion, kind or metadata.name`);
    out.push(value);
  }
  return out;
}

/** Renders the kustomization in `dir` the way `kubectl kustomize dir` does, for our subset. */
export function kustomize(dir: string): KObject[] {
  return build(resolve(dir), new Set());
}

function readKustomization(dir: string): Kustomization {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']
    .map((f) => join(dir, f))
    .find(existsSync);
  if (!file) throw new KustomizeError(`${dir}: no kustomization.yaml`);
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const k = docs[0]?.toJS() as Kustomization & Record<string, unknown>;
  for (const field of Object.keys(k ?? {}))
    if (!KNOWN_FIELDS.has(field))
      throw new KustomizeError(`${file}: field "${field}" is outside the supported subset`);
  return k ?? {};
}

function build(dir: string, seen: Set<string>): KObject[] {
  if (seen.has(dir)) throw new KustomizeError(`${dir}: kustomization cycle`);
  seen.add(dir);
  const k = readKustomization(dir);
  let objects: KObject[] = [];
  for (const entry of k.resources ?? []) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new KustomizeError(`${dir}: resource ${entry} does not exist`);
    objects.push(
      ...(statSync(path).isDirectory()
        ? build(path, new Set(seen))
        : loadYamlObjects(readFileSync(path, 'utf8'), path)),
    );
  }
  for (const p of k.patches ?? []) objects = applyPatch(dir, objects, p);
  if (k.namespace)
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  for (const l of k.labels ?? []) applyLabels(objects, l);
  for (const image of k.images ?? []) for (const o of objects) setImage(o, image);
  assertUnique(objects, dir);
  return objects;
}

function idOf(o: KObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function assertUnique(objects: KObject[], dir: string): void {
  const ids = new Set<string>();
  for (const o of objects) {
    if (ids.has(idOf(o))) throw new KustomizeError(`${dir}: ${idOf(o)} appears twice`);
    ids.add(idOf(o));
  }
}

// ---- patches, labels, images -----------------------------------------------------------------

function matches(o: KObject, t: Target): boolean {
  if (t.kind && t.kind !== o.kind) return false;
  if (t.name && t.name !== o.metadata.name) return false;
  if (t.namespace && t.namespace !== o.metadata.namespace) return false;
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  if (t.group !== undefined && t.group !== group) return false;
  if (t.version !== undefined && t.version !== version) return false;
  return true;
}

function applyPatch(
  dir: string,
  objects: KObject[],
  p: NonNullable<Kustomization['patches']>[number],
): KObject[] {
  const text = p.path ? readFileSync(join(dir, p.path), 'utf8') : p.patch;
  if (!text) throw new KustomizeError(`${dir}: a patch with neither path nor patch`);
  const docs = parseAllDocuments(text).map((d) => d.toJS() as unknown);
  const out = [...objects];
  for (const patch of docs) {
    if (Array.isArray(patch)) {
      if (!p.target) throw new KustomizeError(`${dir}: a JSON 6902 patch needs a target`);
      const target = p.target;
      const hits = out.flatMap((o, i) => (matches(o, target) ? [i] : []));
      if (hits.length === 0)
        throw new KustomizeError(`${dir}: JSON 6902 patch matches no resource (${JSON.stringify(target)})`);
      for (const i of hits) out[i] = applyJson6902(dir, out[i], patch as JsonOp[]);
      continue;
    }
    const pm = patch as KObject;
    const target: Target = p.target ?? {
      kind: pm.kind,
      name: pm.metadata?.name,
      ...(pm.metadata?.namespace ? { namespace: pm.metadata.namespace } : {}),
    };
    let hit = 0;
    for (let i = 0; i < out.length; i++) {
      if (!matches(out[i], target)) continue;
      hit++;
      const body = p.target
        ? {
            ...pm,
            apiVersion: out[i].apiVersion,
            kind: out[i].kind,
            metadata: { ...pm.metadata, name: out[i].metadata.name },
          }
        : pm;
      out[i] = strategicMerge(out[i], body) as KObject;
    }
    if (hit === 0)
      throw new KustomizeError(
        `${dir}: patch ${p.path ?? ''} matches no resource (${JSON.stringify(target)})`,
      );
  }
  return out;
}

interface JsonOp {
  op: string;
  path: string;
  value?: unknown;
}

// JSON 6902, the `add` and `replace` operations (what deploy/ uses: appending container args).
function applyJson6902(dir: string, object: KObject, ops: JsonOp[]): KObject {
  const copy = structuredClone(object);
  for (const { op, path, value } of ops) {
    if (op !== 'add' && op !== 'replace')
      throw new KustomizeError(`${dir}: JSON 6902 op "${op}" is outside the supported subset`);
    const keys = path
      .split('/')
      .slice(1)
      .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = keys.pop();
    let node: unknown = copy;
    for (const k of keys) node = (node as Record<string, unknown> | undefined)?.[k];
    if (last === undefined || node === null || typeof node !== 'object')
      throw new KustomizeError(`${dir}: JSON 6902 path ${path} does not exist`);
    if (Array.isArray(node)) {
      const i = last === '-' ? node.length : Number(last);
      const max = op === 'add' ? node.length : node.length - 1;
      if (!Number.isInteger(i) || i < 0 || i > max)
        throw new KustomizeError(`${dir}: JSON 6902 path ${path} is out of range`);
      if (op === 'add') node.splice(i, 0, value);
      else node[i] = value;
    } else {
      const record = node as Record<string, unknown>;
      if (op === 'replace' && !(last in record))
        throw new KustomizeError(`${dir}: JSON 6902 path ${path} does not exist`);
      record[last] = value;
    }
  }
  return copy;
}

function applyLabels(objects: KObject[], l: NonNullable<Kustomization['labels']>[number]): void {
  if (l.includeSelectors) throw new KustomizeError('labels.includeSelectors is outside the supported subset');
  for (const o of objects) {
    o.metadata.labels = { ...(o.metadata.labels ?? {}), ...l.pairs };
    if (l.includeTemplates && POD_TEMPLATE_KINDS.has(o.kind)) {
      const t = (o.spec as { template?: { metadata?: { labels?: Record<string, string> } } }).template;
      if (t) t.metadata = { ...(t.metadata ?? {}), labels: { ...(t.metadata?.labels ?? {}), ...l.pairs } };
    }
  }
}

interface ContainerView {
  name: string;
  image?: string;
}
interface PodSpecView {
  containers?: ContainerView[];
  initContainers?: ContainerView[];
}

/** The pod specs inside an object (a Pod's own, a workload's template, a CronJob's job template). */
export function podSpecs(o: KObject): PodSpecView[] {
  const spec = o.spec as Record<string, unknown> | undefined;
  if (!spec) return [];
  if (o.kind === 'Pod') return [spec as PodSpecView];
  if (POD_TEMPLATE_KINDS.has(o.kind)) {
    const t = spec.template as { spec?: PodSpecView } | undefined;
    return t?.spec ? [t.spec] : [];
  }
  if (o.kind === 'CronJob') {
    const t = (spec.jobTemplate as { spec?: { template?: { spec?: PodSpecView } } } | undefined)?.spec
      ?.template;
    return t?.spec ? [t.spec] : [];
  }
  return [];
}

/** Image reference split into name, tag and digest. */
export function parseImage(ref: string): { name: string; tag?: string; digest?: string } {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > rest.lastIndexOf('/');
  return {
    name: hasTag ? rest.slice(0, colon) : rest,
    ...(hasTag ? { tag: rest.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
}

function setImage(o: KObject, image: NonNullable<Kustomization['images']>[number]): void {
  for (const spec of podSpecs(o)) {
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      if (!c.image) continue;
      const ref = parseImage(c.image);
      if (ref.name !== image.name) continue;
      const name = image.newName ?? ref.name;
      if (image.digest) c.image = `${name}@${image.digest}`;
      else {
        const tag = image.newTag ?? ref.tag;
        c.image = `${name}${tag ? `:${tag}` : ''}${!image.newTag && ref.digest ? `@${ref.digest}` : ''}`;
      }
    }
  }
}

/** Where a rendered object came from is not kept; this names it for messages. */
export function describeObject(o: KObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

export const REPO_ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');
