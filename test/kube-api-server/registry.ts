// The set of kinds the server serves (built-ins plus CRD-declared ones, added and removed at run
// time) and the discovery documents clients read to find them.
import type { CustomResourceType } from './crd.js';
import { builtinResourceTypes, type ResourceType, STANDARD_VERBS } from './resource-types.js';

export function typeKey(group: string, plural: string): string {
  return `${group}/${plural}`;
}

export class Registry {
  private readonly types = new Map<string, ResourceType>();

  constructor() {
    for (const t of builtinResourceTypes()) this.types.set(typeKey(t.group, t.plural), t);
  }

  add(type: CustomResourceType): void {
    this.types.set(typeKey(type.group, type.plural), type);
  }

  remove(group: string, plural: string): void {
    this.types.delete(typeKey(group, plural));
  }

  /** The type served at `/<group>/<version>/<plural>`, if that version is served. */
  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    const t = this.types.get(typeKey(group, plural));
    return t?.versions.includes(version) ? t : undefined;
  }

  byKey(group: string, plural: string): ResourceType | undefined {
    return this.types.get(typeKey(group, plural));
  }

  byKind(group: string, kind: string): ResourceType | undefined {
    for (const t of this.types.values()) if (t.group === group && t.kind === kind) return t;
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.types.values()];
  }

  /** Group → versions, the core group ('') included; preferred version first. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const t of this.types.values()) {
      const versions = out.get(t.group) ?? [];
      for (const v of t.versions) if (!versions.includes(v)) versions.push(v);
      out.set(t.group, versions);
    }
    return out;
  }

  apiVersions(serverAddress: string): Record<string, unknown> {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  private group(name: string, versions: string[]): Record<string, unknown> {
    const list = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
    return { name, versions: list, preferredVersion: list[0] };
  }

  apiGroupList(): Record<string, unknown> {
    const groups = [...this.groups()].filter(([g]) => g !== '').map(([g, v]) => this.group(g, v));
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }

  apiGroup(name: string): Record<string, unknown> | undefined {
    const versions = this.groups().get(name);
    if (!name || !versions) return undefined;
    return { kind: 'APIGroup', apiVersion: 'v1', ...this.group(name, versions) };
  }

  apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
    const types = this.all().filter((t) => t.group === group && t.versions.includes(version));
    if (types.length === 0) return undefined;
    const resources: Record<string, unknown>[] = [];
    for (const t of types) {
      const entry: Record<string, unknown> = {
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: STANDARD_VERBS,
      };
      if (t.shortNames.length) entry.shortNames = t.shortNames;
      if (t.categories.length) entry.categories = t.categories;
      resources.push(entry);
      if (t.statusSubresource)
        resources.push({
          name: `${t.plural}/status`,
          singularName: '',
          namespaced: t.namespaced,
          kind: t.kind,
          verbs: ['get', 'patch', 'update'],
        });
    }
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources,
    };
  }
}
