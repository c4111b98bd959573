// Renders deploy/base and every overlay with the in-repo kustomize subset and validates every
// object: built-in kinds against the Kubernetes OpenAPI schemas (kubernetes-models), our kinds
// against the openAPIV3Schema of the generated CRDs (ajv), as `kubectl apply --dry-run=server` would.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Ajv } from 'ajv';
import {
  describeObject,
  type KObject,
  KustomizeError,
  kustomize,
  loadYamlObjects,
  REPO_ROOT,
} from './kustomize.js';
import { strategicMerge } from './strategic-merge.js';
import { unknownFields } from './unknown-fields.js';

const TARGETS = [
  'deploy/base',
  'deploy/overlays/kind',
  'deploy/overlays/local',
  'deploy/overlays/production',
];

interface CrdVersion {
  name: string;
  schema: { openAPIV3Schema: object };
}

function crdValidators(): Map<string, (o: unknown) => string | undefined> {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const out = new Map<string, (o: unknown) => string | undefined>();
  const dir = join(REPO_ROOT, 'deploy/crds');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml') && n !== 'kustomization.yaml')) {
    const [crd] = loadYamlObjects(readFileSync(join(dir, f), 'utf8'), f);
    const spec = crd.spec as { group: string; names: { kind: string }; versions: CrdVersion[] };
    for (const v of spec.versions) {
      const validate = ajv.compile(stripKubernetesExtensions(v.schema.openAPIV3Schema) as object);
      out.set(`${spec.group}/${v.name}/${spec.names.kind}`, (o) =>
        validate(o) ? undefined : ajv.errorsText(validate.errors),
      );
    }
  }
  return out;
}

/**
 * Drops the API server's `x-kubernetes-*` keywords, and closes every object schema that lists its
 * properties (unless it preserves unknown fields): the API server's strict field validation
 * refuses unknown fields of custom resources too.
 */
function stripKubernetesExtensions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(stripKubernetesExtensions);
  if (typeof schema !== 'object' || schema === null) return schema;
  const source = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(source))
    if (!k.startsWith('x-kubernetes-')) out[k] = stripKubernetesExtensions(v);
  const properties = source.properties as Record<string, unknown> | undefined;
  if (properties && !('additionalProperties' in source) && !source['x-kubernetes-preserve-unknown-fields'])
    out.additionalProperties = false;
  return out;
}

/** Loads the kubernetes-models class for a built-in apiVersion/kind and validates with it. */
async function validateBuiltin(o: KObject): Promise<string | undefined> {
  const path = `kubernetes-models/${o.apiVersion}/${o.kind}`;
  let mod: Record<string, new (data: unknown) => { validate(): void }>;
  try {
    mod = await import(path);
  } catch {
    return `no Kubernetes schema for ${o.apiVersion} ${o.kind}`;
  }
  try {
    new mod[o.kind](o).validate();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const crds = crdValidators();

test('deploy/crds renders every SemaMesh CRD on its own (installed before, and kept after, an overlay)', () => {
  const ids = kustomize(join(REPO_ROOT, 'deploy/crds')).map(describeObject).sort();
  assert.deepEqual(ids, [
    'CustomResourceDefinition semaclusterpolicies.semamesh.io',
    'CustomResourceDefinition semaclusterquotas.semamesh.io',
    'CustomResourceDefinition semaincidents.semamesh.io',
    'CustomResourceDefinition semapolicies.semamesh.io',
    'CustomResourceDefinition semapolicysources.semamesh.io',
    'CustomResourceDefinition semaquotas.semamesh.io',
  ]);
});

for (const target of TARGETS) {
  describe(`kustomize ${target}`, () => {
    const objects = kustomize(join(REPO_ROOT, target));

    test('renders the controller and the node DaemonSet, and no CRD (deploy/crds is separate)', () => {
      const ids = objects.map(describeObject);
      // Deleting an overlay must not delete the CRDs and with them every policy and incident.
      assert.deepEqual(objects.filter((o) => o.kind === 'CustomResourceDefinition').map(describeObject), []);
      for (const id of [
        'Namespace semamesh-system',
        'Deployment semamesh-system/semamesh-controller',
        'DaemonSet semamesh-system/semamesh-node',
        'Service semamesh-system/semamesh-controller',
        'PodDisruptionBudget semamesh-system/semamesh-controller',
        'NetworkPolicy semamesh-system/semamesh-node',
      ])
        assert.ok(ids.includes(id), `${id} missing from ${target}`);
    });

    test('every object validates against its schema', async () => {
      const failures: string[] = [];
      for (const o of objects) {
        const crd = crds.get(`${o.apiVersion}/${o.kind}`);
        const error = o.apiVersion.startsWith('semamesh.io/')
          ? crd
            ? crd(o)
            : `no CRD for ${o.apiVersion} ${o.kind}`
          : await validateBuiltin(o);
        if (error) failures.push(`${describeObject(o)}: ${error}`);
      }
      assert.deepEqual(failures, []);
    });

    test('no built-in object has a field the API server does not know', () => {
      const unknown = objects
        .filter((o) => !o.apiVersion.startsWith('semamesh.io/'))
        .flatMap((o) => unknownFields(o).map((f) => `${describeObject(o)}: ${f}`));
      assert.deepEqual(unknown, []);
    });

    test('every Service and PodDisruptionBudget selects a workload it ships with', () => {
      const podLabels = objects.flatMap((o) => {
        const t = (o.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)
          ?.template;
        return t?.metadata?.labels ? [{ ns: o.metadata.namespace, labels: t.metadata.labels }] : [];
      });
      for (const o of objects.filter((x) => x.kind === 'Service' || x.kind === 'PodDisruptionBudget')) {
        const spec = o.spec as {
          selector?: Record<string, string> & { matchLabels?: Record<string, string> };
        };
        const selector = o.kind === 'Service' ? spec.selector : spec.selector?.matchLabels;
        assert.ok(selector, `${describeObject(o)} has no selector`);
        const hit = podLabels.some(
          (p) =>
            p.ns === o.metadata.namespace && Object.entries(selector).every(([k, v]) => p.labels[k] === v),
        );
        assert.ok(hit, `${describeObject(o)} selects no pod template`);
      }
    });
  });
}

describe('the validators reject what the API server would', () => {
  test('a built-in object with a wrongly typed field', async () => {
    const bad = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'x' },
      spec: { ports: [{ port: 'eighty' }] },
    } as unknown as KObject;
    assert.match((await validateBuiltin(bad)) ?? '', /port/);
  });

  test('a misspelt field, which the schema validators let through', () => {
    const typo = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', labelz: {} },
      spec: { template: { spec: { containers: [{ name: 'a', imagePulPolicy: 'Always' }] } } },
    } as unknown as KObject;
    assert.deepEqual(unknownFields(typo), [
      'metadata.labelz',
      'spec.template.spec.containers[0].imagePulPolicy',
    ]);
  });

  test("the smoke test's PAUSE policy is a valid SemaPolicy", () => {
    const validate = crds.get('semamesh.io/v1alpha1/SemaPolicy');
    assert.ok(validate);
    const [policy] = loadYamlObjects(
      readFileSync(join(REPO_ROOT, 'hack/smoke/pause-policy.yaml'), 'utf8'),
      'pause',
    );
    assert.equal(validate(policy), undefined);
  });

  test('a SemaPolicy with an unknown field', () => {
    const validate = crds.get('semamesh.io/v1alpha1/SemaPolicy');
    assert.ok(validate);
    const error = validate({
      apiVersion: 'semamesh.io/v1alpha1',
      kind: 'SemaPolicy',
      metadata: { name: 'p' },
      spec: {
        rulez: [],
        rules: [{ name: 'r', intentMatches: ['delete database'], riskLevel: 'Low', action: 'AUDIT' }],
      },
    });
    assert.match(error ?? '', /additional properties/);
  });

  test('a SemaPolicy whose rule has no name', () => {
    const validate = crds.get('semamesh.io/v1alpha1/SemaPolicy');
    assert.ok(validate);
    const error = validate({
      apiVersion: 'semamesh.io/v1alpha1',
      kind: 'SemaPolicy',
      metadata: { name: 'p' },
      spec: { rules: [{ action: 'BLOCK', intentMatches: ['delete database'] }] },
    });
    assert.match(error ?? '', /name/);
  });
});

describe('the kustomize subset', () => {
  test('merges lists by their patch merge key, kustomize-ordered, and deletes with $patch', () => {
    const base = {
      containers: [
        {
          name: 'a',
          env: [
            { name: 'X', value: '1' },
            { name: 'Y', value: '2' },
          ],
        },
        { name: 'b', image: 'b:1' },
      ],
    };
    const out = strategicMerge(base, {
      containers: [
        {
          name: 'a',
          env: [
            { name: 'Y', value: '3' },
            { name: 'Z', value: '4' },
          ],
        },
        { name: 'b', $patch: 'delete' },
      ],
    });
    assert.deepEqual(out, {
      containers: [
        {
          name: 'a',
          env: [
            { name: 'Y', value: '3' },
            { name: 'Z', value: '4' },
            { name: 'X', value: '1' },
          ],
        },
      ],
    });
  });

  test('replaces lists without a merge key and deletes keys set to null', () => {
    assert.deepEqual(strategicMerge({ args: ['a', 'b'], keep: 1, drop: 2 }, { args: ['c'], drop: null }), {
      args: ['c'],
      keep: 1,
    });
  });

  test('refuses fields outside the subset instead of ignoring them', () => {
    assert.throws(() => kustomize(join(REPO_ROOT, 'test/deploy/fixtures/unsupported')), KustomizeError);
  });
});
