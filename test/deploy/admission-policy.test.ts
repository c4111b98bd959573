// The tenancy ValidatingAdmissionPolicy in deploy/base, evaluated with a CEL implementation on the
// objects a tenant could submit: a selector reaching another namespace is refused, its own is not.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { evaluate } from '@marcbachmann/cel-js';
import { type KObject, kustomize, REPO_ROOT } from './kustomize.js';

const objects = kustomize(join(REPO_ROOT, 'deploy/base'));
const policy = objects.find(
  (o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === 'semamesh-namespaced-selectors',
) as KObject & { spec: { validations: { expression: string }[]; matchConstraints: unknown } };

const allowed = (object: unknown) =>
  policy.spec.validations.every((v) => evaluate(v.expression, { object }) === true);

const obj = (kind: string, namespace: string, selector?: unknown) => ({
  apiVersion: 'semamesh.io/v1alpha1',
  kind,
  metadata: { name: 'p', namespace },
  spec: { rules: [], ...(selector ? { selector } : {}) },
});

test('the policy is deployed, bound in Deny mode, and covers both namespaced kinds', () => {
  assert.ok(policy);
  const binding = objects.find((o) => o.kind === 'ValidatingAdmissionPolicyBinding');
  assert.ok(binding);
  assert.deepEqual((binding.spec as { validationActions: string[] }).validationActions, ['Deny']);
  assert.match(JSON.stringify(policy.spec.matchConstraints), /"semapolicies","semaquotas"/);
});

test('a namespaced selector naming another namespace is refused; its own or none is admitted', () => {
  for (const kind of ['SemaPolicy', 'SemaQuota']) {
    assert.equal(allowed(obj(kind, 'team-a', { namespaces: ['team-b'] })), false, kind);
    assert.equal(allowed(obj(kind, 'team-a', { namespaces: ['team-a', 'kube-system'] })), false, kind);
    assert.equal(allowed(obj(kind, 'team-a', { namespaces: ['team-a'] })), true, kind);
    assert.equal(allowed(obj(kind, 'team-a', { podLabels: { app: 'x' } })), true, kind);
    assert.equal(allowed(obj(kind, 'team-a')), true, kind);
  }
});

const decisions = objects.find(
  (o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === 'semamesh-incident-decisions',
) as KObject & {
  spec: { variables: { name: string; expression: string }[]; validations: { expression: string }[] };
};

/** Evaluates the decidedBy rule (plain data; the authorizer rule needs the API server's authorizer). */
function decidedByAllowed(object: unknown, oldObject: unknown, username: string): boolean {
  const vars: Record<string, unknown> = {};
  for (const v of decisions.spec.variables)
    vars[v.name] = evaluate(v.expression, { object, oldObject, variables: vars });
  const rule = decisions.spec.validations.find((v) => v.expression.includes('decidedBy'));
  assert.ok(rule);
  return (
    evaluate(rule.expression, { object, oldObject, variables: vars, request: { userInfo: { username } } }) ===
    true
  );
}

test('deciding an incident needs the approve/terminate verb and the authenticated user as decidedBy', () => {
  assert.ok(decisions);
  const authz = decisions.spec.validations.find((v) => v.expression.includes('authorizer'));
  assert.match(
    authz?.expression ?? '',
    /check\(variables\.decision == 'Approved' \? 'approve' : 'terminate'\)/,
  );
  const inc = (phase: string, decidedBy?: string) => ({
    metadata: { name: 'i', namespace: 'team-a' },
    status: { phase, ...(decidedBy ? { decidedBy } : {}) },
  });
  // A forged name is refused; the authenticated one is accepted.
  assert.equal(decidedByAllowed(inc('Approved', 'alice'), inc('Paused'), 'mallory'), false);
  assert.equal(decidedByAllowed(inc('Approved'), inc('Paused'), 'mallory'), false);
  assert.equal(decidedByAllowed(inc('Approved', 'alice'), inc('Paused'), 'alice'), true);
  assert.equal(decidedByAllowed(inc('Terminated', 'bob'), inc('Approved', 'alice'), 'bob'), true);
  // Not a decision: the node agent recording Paused, or an unchanged decided incident.
  assert.equal(decidedByAllowed(inc('Paused'), inc('Pending'), 'system:serviceaccount:x:y'), true);
  assert.equal(decidedByAllowed(inc('Approved', 'alice'), inc('Approved', 'alice'), 'controller'), true);
});
