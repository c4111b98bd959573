// Least privilege, checked both ways: the permissions each process's code needs (derived by
// api-usage.ts from its entry files) must equal what deploy/base grants its service account — no
// verb missing, none unused, no wildcard — and the pods ask for no more than docs/security.md says.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { APPLIED_KINDS } from '../../gitops/render/index.js';
import {
  HELPER_VERBS,
  NO_API_CALL,
  permissionKey,
  permissionSet,
  scanApiUsage,
  type UsageReport,
} from './api-usage.js';
import { type KObject, kustomize, loadYamlObjects, REPO_ROOT } from './kustomize.js';

const exists = (f: string) => existsSync(join(REPO_ROOT, f));
const firstExisting = (...files: string[]) => files.filter(exists).slice(0, 1);

/**
 * Entry files of each service account's processes. The node pod runs two with the same account:
 * the node agent and the waypoint, whose command reports PAUSE through the cluster PAUSE reporter
 * (listed as well, so the grant stays checked whichever way the command imports it).
 */
const PROCESSES: Record<string, string[]> = {
  'semamesh-controller': [
    ...firstExisting('cli/commands/controller.ts', 'controller/main.ts'),
    'gitops/manager.ts',
  ],
  'semamesh-node': [
    ...firstExisting('cli/commands/node-agent.ts', 'controller/node-agent.ts'),
    ...firstExisting('cli/commands/waypoint.ts', 'waypoint/cli.ts'),
    'controller/reconcilers/pause-reporter.ts',
  ],
};

/** Calls whose object the code only knows at run time, and which kinds they can touch. */
const DYNAMIC: Record<string, string[]> = {
  // The reconciler runtime writes the status of whatever it reconciles (reconcilers/manager.ts).
  'controller/reconcilers/runtime.ts:patchStatus': [
    'SemaPolicy',
    'SemaQuota',
    'SemaClusterPolicy',
    'SemaClusterQuota',
    'SemaIncident',
  ],
  // The usage reporter writes the budget figures of SemaQuotas and SemaClusterQuotas (quota-usage.ts).
  'controller/reconcilers/quota-usage.ts:patchStatus': ['SemaQuota', 'SemaClusterQuota'],
  // GitOps applies and prunes the kinds its renderer accepts.
  'gitops/apply/apply.ts:apply': [...APPLIED_KINDS],
  'gitops/apply/apply.ts:mergePatch': [...APPLIED_KINDS],
  'gitops/apply/apply.ts:delete': [...APPLIED_KINDS],
};

/**
 * Code a process links but never runs with its own service account: incident-actions.ts is shared
 * with `kubectl sema`, which acts with the user's credentials.
 */
const NOT_RUN: Record<string, string[]> = {
  'semamesh-node': [
    'controller/reconcilers/incident-actions.ts:delete',
    'controller/reconcilers/incident-actions.ts:mergePatch',
  ],
  'semamesh-controller': [],
};

function ourKinds(): Record<string, { group: string; resource: string }> {
  const out: Record<string, { group: string; resource: string }> = {};
  for (const f of [
    'semapolicies',
    'semaquotas',
    'semaclusterpolicies',
    'semaclusterquotas',
    'semapolicysources',
    'semaincidents',
  ]) {
    const [crd] = loadYamlObjects(
      readFileSync(join(REPO_ROOT, `deploy/crds/${f}.semamesh.io.yaml`), 'utf8'),
      f,
    );
    const spec = crd.spec as { group: string; names: { kind: string; plural: string } };
    out[spec.names.kind] = { group: spec.group, resource: spec.names.plural };
  }
  return out;
}

function derived(account: string): { report: UsageReport; needed: Set<string> } {
  const report = scanApiUsage(PROCESSES[account], { ourKinds: ourKinds(), dynamic: DYNAMIC });
  const skip = new Set(NOT_RUN[account]);
  const kept = { ...report, calls: report.calls.filter((c) => !skip.has(`${c.file}:${c.helper}`)) };
  const needed = permissionSet(kept);
  // The kubelet authorizes its checkpoint API through RBAC as well (nodes/checkpoint, create).
  if (report.files.includes('controller/pause/checkpoint.ts'))
    needed.add(permissionKey({ group: '', resource: 'nodes/checkpoint', verb: 'create' }));
  return { report: kept, needed };
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** Who grants what: a binding's namespace ('' for a ClusterRoleBinding) decides where a rule reaches. */
interface Grant {
  role: KObject;
  rule: Rule;
  /** Namespace the rule applies in; '*' cluster-wide; 'per-namespace' for a role tenants bind. */
  scope: string;
}

/**
 * ClusterRoles annotated `semamesh.io/bound-per-namespace-to: semamesh-system/<account>` are granted
 * by the RoleBinding a tenant creates in its own namespace (GitOps credentials): part of what the
 * account may hold, though base binds them nowhere.
 */
const PER_NAMESPACE = 'semamesh.io/bound-per-namespace-to';

function grantedTo(objects: KObject[], account: string): { rules: Grant[]; keys: Set<string> } {
  const bindings = objects.filter(
    (o) =>
      (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') &&
      (o.subjects as { kind: string; name: string; namespace?: string }[]).some(
        (s) => s.kind === 'ServiceAccount' && s.name === account && s.namespace === 'semamesh-system',
      ),
  );
  const rules: Grant[] = [];
  const keys = new Set<string>();
  const add = (role: KObject, scope: string) => {
    for (const rule of role.rules as Rule[]) {
      rules.push({ role, rule, scope });
      for (const g of rule.apiGroups ?? [])
        for (const r of rule.resources ?? [])
          for (const v of rule.verbs) keys.add(permissionKey({ group: g, resource: r, verb: v }));
    }
  };
  for (const b of bindings) {
    const ref = b.roleRef as { kind: string; name: string };
    const role = objects.find(
      (o) =>
        o.kind === ref.kind &&
        o.metadata.name === ref.name &&
        (ref.kind === 'ClusterRole' || o.metadata.namespace === b.metadata.namespace),
    );
    assert.ok(role, `${b.kind} ${b.metadata.name} refers to a missing ${ref.kind} ${ref.name}`);
    add(role, b.kind === 'ClusterRoleBinding' ? '*' : (b.metadata.namespace ?? ''));
  }
  for (const role of objects)
    if (
      role.kind === 'ClusterRole' &&
      (role.metadata.annotations as Record<string, string> | undefined)?.[PER_NAMESPACE] ===
        `semamesh-system/${account}`
    )
      add(role, 'per-namespace');
  return { rules, keys };
}

const objects = kustomize(join(REPO_ROOT, 'deploy/base'));

describe('RBAC equals what the code calls', () => {
  for (const account of Object.keys(PROCESSES)) {
    describe(account, () => {
      const { report, needed } = derived(account);
      const granted = grantedTo(objects, account);

      test('every Kubernetes call in the code resolves to a kind', () => {
        assert.ok(report.files.length > 0);
        assert.deepEqual(
          report.unresolved.map((u) => `${u.file}:${u.line} ${u.helper}(${u.argument})`),
          [],
          'add the call to DYNAMIC with the kinds it can touch',
        );
      });

      test('no permission the code needs is missing', () => {
        assert.deepEqual([...needed].filter((k) => !granted.keys.has(k)).sort(), []);
      });

      test('no permission is granted that the code does not use', () => {
        assert.deepEqual([...granted.keys].filter((k) => !needed.has(k)).sort(), []);
      });

      test('no wildcard, no non-resource URL, no escalation verb', () => {
        for (const { role, rule } of granted.rules) {
          const all = [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs];
          assert.ok(!all.some((x) => x.includes('*')), `wildcard in ${role.kind} ${role.metadata.name}`);
          assert.equal(rule.nonResourceURLs, undefined);
          for (const v of ['escalate', 'bind', 'impersonate']) assert.ok(!rule.verbs.includes(v));
        }
      });

      test('Leases only through a Role in semamesh-system', () => {
        for (const { role, rule, scope } of granted.rules)
          if (rule.resources?.includes('leases')) {
            assert.equal(role.kind, 'Role', `${role.metadata.name} grants leases cluster-wide`);
            assert.equal(scope, 'semamesh-system');
          }
      });

      test('no Secret of semamesh-system (the mesh CA key) and none cluster-wide: only get, per tenant namespace', () => {
        for (const { role, rule, scope } of granted.rules)
          if (rule.resources?.includes('secrets')) {
            assert.equal(scope, 'per-namespace', `${role.metadata.name} reaches Secrets in ${scope}`);
            assert.deepEqual(
              rule.verbs,
              ['get'],
              `${role.metadata.name}: list/watch would read every Secret`,
            );
          }
      });
    });
  }
});

describe('the derivation itself', () => {
  test('every helper of kube is classified as an API call or not', () => {
    const text = readFileSync(join(REPO_ROOT, 'kube/client.ts'), 'utf8');
    const client = text.slice(text.indexOf('export class K8sClient'));
    const members = [...client.matchAll(/^ {2}(?:async |static |private |get )*([a-zA-Z]\w*)\s*[<(]/gm)]
      .map((m) => m[1])
      .filter((n) => !['if', 'for', 'while', 'switch', 'catch', 'return'].includes(n));
    const index = readFileSync(join(REPO_ROOT, 'kube/index.ts'), 'utf8');
    const exported = [...index.matchAll(/export \{([^}]*)\}/g)]
      .flatMap((m) => m[1].split(','))
      .map((s) => s.trim())
      .filter((s) => s && !s.startsWith('type ') && /^[a-z]/.test(s));
    const unknown = [...new Set([...members, ...exported])].filter(
      (n) => !(n in HELPER_VERBS) && !NO_API_CALL.has(n),
    );
    assert.deepEqual(
      unknown,
      [],
      'map the new helper to its verbs in test/deploy/api-usage.ts (see kube/README.md)',
    );
  });

  test('a call it cannot resolve is reported, not dropped', () => {
    const r = scanApiUsage(['gitops/apply/apply.ts'], { ourKinds: ourKinds() });
    assert.ok(r.unresolved.some((u) => u.file === 'gitops/apply/apply.ts' && u.helper === 'apply'));
  });

  test('it resolves kinds through imported constants and ref builders', () => {
    const r = scanApiUsage(['controller/reconcilers/pod-pause.ts'], { ourKinds: ourKinds() });
    const keys = permissionSet(r);
    assert.ok(keys.has('semamesh.io/semaincidents/status:patch'));
    assert.ok(keys.has('core/pods:watch'));
  });
});
