// Issue 15 finding 6: the pause state is the SemaIncident, not a pod annotation. Someone who can only
// patch pods can neither freeze (and memory-dump) another team's pod nor thaw a paused one. Runs the
// real watcher and PauseAgent against the in-repo API server, with cgroups kept in memory.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CORE_KINDS, K8sClient, type KubeObject } from '../../kube/index.js';
import { type KubeApiServer, startKubeApiServer } from '../../test/kube-api-server/index.js';
import { type CgroupOps, PauseAgent } from '../pause/index.js';
import { waitFor } from '../testing.js';
import {
  ACTION_ANNOTATION,
  INCIDENT_ANNOTATION,
  incidentRef,
  POD_UID_ANNOTATION,
} from './incident-actions.js';
import { PodPauseWatcher } from './pod-pause.js';

const NS = 'team-b';
let api: KubeApiServer;
let client: K8sClient;

before(async () => {
  api = await startKubeApiServer({ crds: true, namespaces: [NS] });
  client = new K8sClient(api.kubeconfig);
});
after(async () => {
  await api.close();
});

/** cgroups in memory: which paths are frozen, and every freeze (a freeze is what a pause costs). */
function memoryCgroups() {
  const frozen = new Set<string>();
  const freezes: string[] = [];
  const ops: CgroupOps = {
    locate: async (uid) => [{ container: 'agent', path: `/kubepods/pod${uid}/agent` } as never],
    freeze: async (p) => {
      freezes.push(p);
      frozen.add(p);
    },
    thaw: async (p) => {
      frozen.delete(p);
    },
    isFrozen: async (p) => frozen.has(p),
    kill: async () => {},
  };
  return { ops, frozen, freezes };
}

const podRef = (name: string) => ({ ...CORE_KINDS.Pod, namespace: NS, name });

async function pod(name: string): Promise<KubeObject> {
  return client.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: { nodeName: 'n1', containers: [{ name: 'agent', image: 'agent:1' }] },
  });
}

async function incident(name: string, podName: string, uid: string): Promise<void> {
  await client.create({
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaIncident',
    metadata: { name, namespace: NS, annotations: { [POD_UID_ANNOTATION]: uid } },
    spec: {
      agent: { namespace: NS, pod: podName, serviceAccount: 'agent' },
      policy: `${NS}/guard`,
      rule: 'no-deletes',
      reason: 'delete:database matched',
      action: 'PAUSE',
      detectedAt: new Date().toISOString(),
      requestDigest: 'a'.repeat(64),
    },
  });
}

const annotate = (name: string, notes: Record<string, string | null>) =>
  client.mergePatch(podRef(name), { metadata: { annotations: notes } });

test('a pause annotation without a matching incident freezes nothing; an open incident does, and only its approval thaws', async () => {
  const cg = memoryCgroups();
  const actions: string[] = [];
  const watcher = new PodPauseWatcher({
    client,
    nodeName: 'n1',
    agent: new PauseAgent(cg.ops, undefined, { snapshot: async () => ({}) as never }),
    cgroups: cg.ops,
    recheckMs: 20,
    onAction: (a, p) => actions.push(`${a} ${p}`),
  });
  await watcher.start();
  try {
    // Attack: annotate someone else's pod, naming no incident, then an incident about another pod.
    const victim = await pod('victim');
    await annotate('victim', { [ACTION_ANNOTATION]: 'PAUSE', [INCIDENT_ANNOTATION]: 'made-up' });
    await waitFor('refused', () => actions.includes(`refused ${NS}/victim`));
    const other = await pod('other');
    await incident('about-other', 'other', other.metadata.uid ?? '');
    await annotate('victim', { [INCIDENT_ANNOTATION]: 'about-other' });
    await waitFor('refused again', () => actions.filter((a) => a === `refused ${NS}/victim`).length === 2);
    await watcher.settled();
    assert.deepEqual(cg.freezes, [], 'an annotation alone never freezes');

    // The real thing: an incident about this pod.
    await incident('inc-1', 'victim', victim.metadata.uid ?? '');
    await annotate('victim', { [INCIDENT_ANNOTATION]: 'inc-1' });
    await waitFor('paused', () => actions.includes(`paused ${NS}/victim`));
    assert.equal(cg.frozen.size, 1);

    // Attack: clear the annotation to thaw without approval.
    await annotate('victim', { [ACTION_ANNOTATION]: null, [INCIDENT_ANNOTATION]: null });
    await new Promise((r) => setTimeout(r, 100)); // several recheck periods
    await watcher.settled();
    assert.equal(cg.frozen.size, 1, 'still frozen: the incident is not approved');
    assert.ok(!actions.includes(`thawed ${NS}/victim`));

    // Approval (the status an RBAC-checked decision writes) thaws.
    await client.patchStatus(incidentRef(NS, 'inc-1'), { phase: 'Approved' });
    await waitFor('thawed', () => actions.includes(`thawed ${NS}/victim`));
    assert.equal(cg.frozen.size, 0);
  } finally {
    await watcher.stop();
  }
});
