// Local mode loads the cluster-scoped kinds too: a SemaClusterQuota or SemaClusterPolicy in a
// --policies folder used to be dropped silently (only SemaPolicy/SemaQuota were picked).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadLocalPolicy } from './local-policy.js';

const YAML = `apiVersion: semamesh.io/v1alpha1
kind: SemaClusterPolicy
metadata:
  name: no-namespace-deletes
spec:
  rules:
    - name: block-namespace-delete
      intentMatches:
        - delete namespace
      riskLevel: Critical
      action: BLOCK
---
apiVersion: semamesh.io/v1alpha1
kind: SemaClusterQuota
metadata:
  name: everyone
spec:
  limits:
    - window: hour
      requests: 3
`;

test('a SemaClusterPolicy and a SemaClusterQuota in a policies folder are loaded and enforced', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'semamesh-local-policy-'));
  try {
    writeFileSync(join(dir, 'cluster.yaml'), YAML);
    const local = await loadLocalPolicy([dir]);
    assert.deepEqual(
      local.policies.map((p) => `${p.kind}/${p.metadata.name}`),
      ['SemaClusterPolicy/no-namespace-deletes'],
    );
    assert.deepEqual(
      local.quotas.map((q) => `${q.kind}/${q.metadata.name}`),
      ['SemaClusterQuota/everyone'],
    );
    assert.ok(local.compiled.data.semamesh.policies['SemaClusterPolicy/no-namespace-deletes']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
