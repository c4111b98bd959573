// Derives each kind's CustomResourceDefinition (apiextensions.k8s.io/v1, structural schema) from its TypeBox schema.
import type { TSchema } from '@sinclair/typebox';
import { stringify } from 'yaml';
import { CATEGORY, GROUP, isClusterScoped, isKind, KINDS, type Kind, VERSION } from './constants.js';
import { API_ERROR_CODES, ApiError } from './errors.js';
import { KIND_DEFINITIONS, type PrinterColumn } from './registry.js';
import { REGEX_KEYWORD } from './schema-helpers.js';

/** A node of a CRD's openAPIV3Schema (JSONSchemaProps), as far as we emit it. */
export interface JSONSchemaProps {
  [keyword: string]: unknown;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    scope: 'Namespaced' | 'Cluster';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: JSONSchemaProps };
    }[];
  };
}

/** JSONSchemaProps fields we copy as they are; anything else in a schema is an error at generation time. */
export const STRUCTURAL_KEYWORDS = new Set([
  'type',
  'format',
  'description',
  'enum',
  'default',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'required',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);

/** Our own keywords: meaningful to local validation only, so the CRD leaves them out. */
const LOCAL_KEYWORDS = new Set([REGEX_KEYWORD]);

function convert(schema: Record<string, unknown>, at: string): JSONSchemaProps {
  const out: JSONSchemaProps = {};
  for (const key of Object.keys(schema).sort()) {
    const value = schema[key];
    if (LOCAL_KEYWORDS.has(key)) continue;
    if (key === 'properties') {
      const props: Record<string, JSONSchemaProps> = {};
      for (const [name, sub] of Object.entries(value as Record<string, Record<string, unknown>>))
        props[name] = convert(sub, `${at}.${name}`);
      out.properties = props;
    } else if (key === 'items') {
      out.items = convert(value as Record<string, unknown>, `${at}[]`);
    } else if (key === 'additionalProperties') {
      // `false` is what pruning does anyway, and the API server rejects it next to `properties`.
      if (value === false) continue;
      if (value === true) out['x-kubernetes-preserve-unknown-fields'] = true;
      else out.additionalProperties = convert(value as Record<string, unknown>, `${at}.*`);
    } else if (STRUCTURAL_KEYWORDS.has(key)) {
      out[key] = structuredClone(value);
    } else {
      throw new ApiError(
        API_ERROR_CODES.SCHEMA,
        `schema keyword "${key}" at ${at} cannot go into a structural CRD`,
      );
    }
  }
  return out;
}

const TYPE_META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/** The root of a CRD schema: the API server owns metadata, so it is only `type: object` there. */
function rootSchema(schema: TSchema): JSONSchemaProps {
  // JSON round trip drops TypeBox's symbol-keyed bookkeeping.
  const plain = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  const properties = plain.properties as Record<string, unknown>;
  // apiVersion, kind and metadata are the API server's to require; the CRD requires only our fields.
  const required = ((plain.required as string[] | undefined) ?? []).filter((f) => !TYPE_META_FIELDS.has(f));
  return convert({ ...plain, required, properties: { ...properties, metadata: { type: 'object' } } }, '');
}

/** The CRD object for one kind. Throws ApiError(SM_ERR_API_UNKNOWN_KIND) for a kind we do not define. */
export function crdFor(kind: Kind | string): CustomResourceDefinition {
  if (!isKind(kind))
    throw new ApiError(API_ERROR_CODES.UNKNOWN_KIND, `unknown kind "${kind}"; known: ${KINDS.join(', ')}`);
  const def = KIND_DEFINITIONS[kind];
  const { names } = def;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${names.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'semamesh', 'app.kubernetes.io/component': 'crd' },
    },
    spec: {
      group: GROUP,
      names: {
        kind: names.kind,
        listKind: names.listKind,
        plural: names.plural,
        singular: names.singular,
        shortNames: [...names.shortNames],
        categories: [CATEGORY],
      },
      scope: isClusterScoped(kind) ? 'Cluster' : 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.printerColumns.map((c) => ({ ...c })),
          schema: { openAPIV3Schema: rootSchema(def.schema) },
        },
      ],
    },
  };
}

/** File name of a kind's CRD under deploy/crds/. */
export function crdFileName(kind: Kind): string {
  return `${KIND_DEFINITIONS[kind].names.plural}.${GROUP}.yaml`;
}

const HEADER =
  '# Generated from the TypeBox schemas in api/ by scripts/gen-crds.ts. Do not edit:\n' +
  '# change the schema and run `npx tsx scripts/gen-crds.ts`.\n';

/** The CRD as the YAML text committed in deploy/crds/ (deterministic: sorted keys, no line folding). */
export function crdYaml(kind: Kind): string {
  return HEADER + stringify(crdFor(kind), { lineWidth: 0 });
}

/**
 * Every file of deploy/crds/ by name: one CRD per kind plus a kustomization so that
 * `kubectl apply -k deploy/crds` installs them together.
 */
export function crdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const kind of KINDS) files.set(crdFileName(kind), crdYaml(kind));
  const resources = KINDS.map((k) => `  - ${crdFileName(k)}`).join('\n');
  files.set(
    'kustomization.yaml',
    '# Generated by scripts/gen-crds.ts: `kubectl apply -k deploy/crds` installs every SemaMesh CRD.\n' +
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources}\n`,
  );
  return files;
}
