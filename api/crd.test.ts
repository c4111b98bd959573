// Tests the generated CRDs: committed files match the schemas, every schema is structural, and names and columns are right.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import {
  API_ERROR_CODES,
  ApiError,
  type CustomResourceDefinition,
  crdFiles,
  crdFor,
  type JSONSchemaProps,
  KINDS,
  structuralProblems,
} from './index.js';

const root = new URL('..', import.meta.url).pathname;
const crdDir = join(root, 'deploy/crds');

function* nodes(schema: JSONSchemaProps, at = ''): Generator<[string, JSONSchemaProps]> {
  yield [at, schema];
  for (const [k, v] of Object.entries((schema.properties as Record<string, JSONSchemaProps>) ?? {}))
    yield* nodes(v, `${at}.${k}`);
  if (schema.items) yield* nodes(schema.items as JSONSchemaProps, `${at}[]`);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
    yield* nodes(schema.additionalProperties as JSONSchemaProps, `${at}.*`);
}

const schemaOf = (crd: CustomResourceDefinition) => crd.spec.versions[0].schema.openAPIV3Schema;

test('deploy/crds matches what the schemas generate (run `npx tsx scripts/gen-crds.ts` after a schema change)', () => {
  const expected = crdFiles();
  const committed = readdirSync(crdDir).sort();
  assert.deepEqual(committed, [...expected.keys()].sort(), 'files in deploy/crds');
  for (const [name, text] of expected)
    assert.equal(readFileSync(join(crdDir, name), 'utf8'), text, `deploy/crds/${name} is stale`);
});

test('every generated CRD is structural', () => {
  for (const kind of KINDS) assert.deepEqual(structuralProblems(crdFor(kind)), [], kind);
});

test('the committed YAML is the CRD object, one document each', () => {
  for (const kind of KINDS) {
    const crd = crdFor(kind);
    const name = `${crd.spec.names.plural}.semamesh.io.yaml`;
    const docs = parseAllDocuments(readFileSync(join(crdDir, name), 'utf8'));
    assert.equal(docs.length, 1);
    assert.deepEqual(parse(readFileSync(join(crdDir, name), 'utf8')), JSON.parse(JSON.stringify(crd)));
  }
});

test('the structural checker itself catches what the API server would reject', () => {
  const cases: [string, (s: JSONSchemaProps) => void, RegExp][] = [
    [
      'anyOf',
      (s) => Object.assign(spec(s), { anyOf: [{ required: ['rules'] }] }),
      /forbidden keyword "anyOf"/,
    ],
    ['$ref', (s) => Object.assign(spec(s), { $ref: '#/x' }), /forbidden keyword "\$ref"/],
    ['no type', (s) => delete spec(s).type, /\.spec: no type/],
    [
      'closed map',
      (s) => Object.assign(spec(s), { additionalProperties: false }),
      /mutually exclusive|not a boolean/,
    ],
    ['lookahead', (s) => Object.assign(spec(s), { pattern: '^(?=a)' }), /does not compile/],
    ['missing required', (s) => (spec(s).required as string[]).push('ghost'), /"ghost" is not among/],
    ['root requires metadata', (s) => (s.required as string[]).push('metadata'), /must not require metadata/],
    [
      'bad default',
      (s) => Object.assign(prop(s, 'enforcement'), { default: 'sometimes' }),
      /not in its enum/,
    ],
    ['foreign keyword', (s) => Object.assign(spec(s), { 'x-semamesh-regex': 're2' }), /unknown keyword/],
    ['metadata schema', (s) => Object.assign(prop(s, '', 'metadata'), { description: 'x' }), /only type/],
  ];
  for (const [name, mutate, expected] of cases) {
    const crd = structuredClone(crdFor('SemaPolicy'));
    mutate(schemaOf(crd));
    assert.match(structuralProblems(crd).join('\n'), expected, name);
  }
});

function spec(s: JSONSchemaProps): JSONSchemaProps {
  return (s.properties as Record<string, JSONSchemaProps>).spec;
}
function prop(s: JSONSchemaProps, field: string, top = 'spec'): JSONSchemaProps {
  const node = (s.properties as Record<string, JSONSchemaProps>)[top];
  return field ? (node.properties as Record<string, JSONSchemaProps>)[field] : node;
}

test('the CRD carries nothing that only local validation understands', () => {
  for (const kind of KINDS)
    for (const [at, node] of nodes(schemaOf(crdFor(kind)))) {
      assert.ok(!('x-semamesh-regex' in node), `${kind}${at}`);
      assert.notEqual(node.additionalProperties, false, `${kind}${at}`);
    }
});

test('the CRD schema and local validation agree on the examples', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const cases = [
    ['sample-policy.yaml', 'SemaPolicy', 'enforcement', 'maybe'],
    ['sample-quota.yaml', 'SemaQuota', 'onExceed', 7],
    ['sample-policy-source.yaml', 'SemaPolicySource', 'prune', 'yes'],
  ] as const;
  for (const [file, kind, field, wrong] of cases) {
    const validate = ajv.compile(schemaOf(crdFor(kind)));
    const obj = parse(readFileSync(join(root, 'examples', file), 'utf8')) as {
      spec: Record<string, unknown>;
    };
    assert.ok(validate(obj), `${file}: ${JSON.stringify(validate.errors)}`);
    obj.spec[field] = wrong;
    assert.equal(validate(obj), false, `${file}: spec.${field}: ${wrong} passes the CRD schema`);
  }
});

test('names, scope, categories, status subresource and printer columns', () => {
  const policy = crdFor('SemaPolicy');
  assert.equal(policy.metadata.name, 'semapolicies.semamesh.io');
  assert.deepEqual(policy.spec.names.shortNames, ['spol']);
  assert.deepEqual(policy.spec.names.categories, ['semamesh']);
  assert.equal(policy.spec.scope, 'Namespaced');
  assert.deepEqual(policy.spec.versions[0].subresources, { status: {} });
  const cols = (crd: CustomResourceDefinition) =>
    crd.spec.versions[0].additionalPrinterColumns.filter((c) => !c.priority).map((c) => c.name);
  assert.deepEqual(cols(policy), ['Action', 'Risk', 'Ready', 'Age']);
  assert.deepEqual(cols(crdFor('SemaIncident')), ['Phase', 'Agent', 'Rule', 'Action', 'Age']);
  assert.deepEqual(
    KINDS.map((k) => crdFor(k).spec.names.shortNames[0]),
    ['spol', 'squota', 'spsrc', 'sinc', 'scpol', 'scquota'],
  );
  // Tenancy: namespaced kinds govern their namespace; the cluster-wide kinds are cluster-scoped.
  assert.deepEqual(
    KINDS.map((k) => crdFor(k).spec.scope),
    ['Namespaced', 'Namespaced', 'Namespaced', 'Namespaced', 'Cluster', 'Cluster'],
  );
  const selector = (k: 'SemaPolicy' | 'SemaClusterPolicy' | 'SemaQuota') =>
    prop(schemaOf(crdFor(k)), 'selector');
  const nsItems = (s: JSONSchemaProps) =>
    (s.properties as Record<string, JSONSchemaProps>).namespaces.maxItems;
  assert.equal(nsItems(selector('SemaPolicy')), 1, 'a namespaced policy names at most its own namespace');
  assert.equal(nsItems(selector('SemaQuota')), 1, 'a namespaced quota names at most its own namespace');
  assert.equal(nsItems(selector('SemaClusterPolicy')), 256);
  for (const kind of KINDS) {
    const status = prop(schemaOf(crdFor(kind)), '', 'status');
    const props = status.properties as Record<string, JSONSchemaProps>;
    assert.equal(props.observedGeneration.type, 'integer', kind);
    assert.equal(props.conditions['x-kubernetes-list-type'], 'map', kind);
    const condition = props.conditions.items as JSONSchemaProps;
    assert.deepEqual(condition.required, ['type', 'status', 'lastTransitionTime', 'reason', 'message'], kind);
  }
});

test('crdFor refuses a kind we do not define with a coded error', () => {
  assert.throws(
    () => crdFor('SemaThing'),
    (err: unknown) => err instanceof ApiError && err.code === API_ERROR_CODES.UNKNOWN_KIND,
  );
});
