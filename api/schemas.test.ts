// Tests the kind schemas as a user meets them: what is accepted, what is refused and with which code, and defaults.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  API_VERSION,
  type Issue,
  type SemaIncident,
  type SemaPolicy,
  type SemaPolicySource,
  type SemaQuota,
  validateObject,
  withDefaults,
} from './index.js';

const now = '2025-03-01T12:00:00Z';
const ready = { type: 'Ready', status: 'True', reason: 'Compiled', message: 'ok', lastTransitionTime: now };

// Typed through Static<>: a field the schema lacks, or a wrong literal, fails `tsc`.
const policy: SemaPolicy = {
  apiVersion: API_VERSION,
  kind: 'SemaPolicy',
  metadata: { name: 'p', namespace: 'ai-agents' },
  spec: {
    rules: [
      {
        name: 'no-shell-deletes',
        intentMatches: ['delete namespace'],
        toolMatches: [{ name: 'kubectl_*', argumentPattern: '\\bdelete\\s+(ns|namespace)\\b' }],
        textMatches: [{ literal: 'rm -rf /' }, { regex: '(?i)drop\\s+table' }],
        riskLevel: 'High',
        action: 'PAUSE',
        message: 'needs a human',
      },
    ],
    selector: { namespaces: ['ai-agents'], podLabels: { app: 'agent' }, serviceAccounts: ['agent-sa'] },
    enforcement: 'dryrun',
    rego: 'package semamesh.custom\n',
    priority: 10,
  },
  status: {
    observedGeneration: 3,
    conditions: [{ ...ready, status: 'True', observedGeneration: 3 }],
    rules: 1,
  },
};

const quota: SemaQuota = {
  apiVersion: API_VERSION,
  kind: 'SemaQuota',
  metadata: { name: 'q' },
  spec: {
    limits: [{ window: 'hour', tokens: 100000 }],
    models: { 'claude-sonnet-4': { inputPer1M: 3, outputPer1M: 15 } },
    loopDetection: { maxIdenticalPrompts: 4, maxIdenticalToolCalls: 6 },
  },
  status: {
    conditions: [{ ...ready, status: 'False', reason: 'OverBudget' }],
    usage: [{ window: 'hour', tokens: 5, costUSD: 0.01, requests: 1, resetAt: now }],
  },
};

const source: SemaPolicySource = {
  apiVersion: API_VERSION,
  kind: 'SemaPolicySource',
  metadata: { name: 's' },
  spec: {
    url: 'http://git.local/repo.git',
    ref: { commit: 'a'.repeat(40) },
    secretRef: { name: 'git-creds' },
  },
  status: {
    lastAppliedRevision: 'main@sha1:abc',
    lastAttemptedRevision: 'main@sha1:abc',
    artifact: { revision: 'main@sha1:abc', digest: `sha256:${'0'.repeat(64)}`, lastUpdateTime: now },
    inventory: [{ kind: 'SemaPolicy', namespace: 'default', name: 'p' }],
  },
};

const incident: SemaIncident = {
  apiVersion: API_VERSION,
  kind: 'SemaIncident',
  metadata: { name: 'agent-7f9-pause', namespace: 'ai-agents' },
  spec: {
    agent: {
      namespace: 'ai-agents',
      pod: 'agent-7f9',
      serviceAccount: 'agent',
      container: 'main',
      cgroup: '/kubepods/x',
    },
    policy: 'ai-agents/p',
    rule: 'no-shell-deletes',
    reason: 'intent delete:namespace',
    action: 'PAUSE',
    detectedAt: now,
    requestDigest: 'f'.repeat(64),
  },
  status: {
    phase: 'Paused',
    checkpoint: { method: 'gcore', path: '/var/lib/semamesh/x.core' },
    decidedBy: 'alice',
  },
};

const codes = (issues: Issue[]) => issues.map((i) => [i.code, i.path.join('.')]);

function variant<T>(base: T, edit: (copy: T) => void): T {
  const copy = structuredClone(base);
  edit(copy);
  return copy;
}

test('a complete object of every kind, status included, is valid', () => {
  for (const obj of [policy, quota, source, incident]) assert.deepEqual(validateObject(obj), [], obj.kind);
});

test('defaults are those the CRD declares', () => {
  const p = withDefaults(
    variant(policy, (c) => {
      delete c.spec.enforcement;
      delete c.spec.priority;
    }),
  );
  assert.equal(p.spec.enforcement, 'enforce');
  assert.equal(p.spec.priority, 0);
  const q = withDefaults(quota);
  assert.equal(q.spec.onExceed, 'THROTTLE');
  assert.equal(q.spec.limits[0].type, 'rolling');
  assert.equal(q.spec.loopDetection?.window, '5m');
  assert.equal(q.spec.loopDetection?.action, 'THROTTLE');
  const s = withDefaults(source);
  assert.deepEqual(
    [s.spec.path, s.spec.interval, s.spec.timeout, s.spec.prune, s.spec.suspend],
    ['.', '5m', '60s', true, false],
  );
  assert.equal(source.spec.path, undefined, 'withDefaults copies; the input is untouched');
});

test('policy rules: enums, names and the need for something to match', () => {
  const bad = variant(policy, (c) => {
    const r = c.spec.rules[0] as Record<string, unknown>;
    r.name = 'No_Spaces';
    r.riskLevel = 'Severe';
    r.intentMatches = [];
    delete r.toolMatches;
    delete r.textMatches;
  });
  assert.deepEqual(codes(validateObject(bad)), [
    ['SM_ERR_API_CONSTRAINT', 'spec.rules.0'],
    ['SM_ERR_API_SCHEMA', 'spec.rules.0.name'],
    ['SM_ERR_API_SCHEMA', 'spec.rules.0.riskLevel'],
  ]);
  const noRules = variant(policy, (c) => {
    c.spec.rules = [];
  });
  assert.deepEqual(codes(validateObject(noRules)), [['SM_ERR_API_SCHEMA', 'spec.rules']]);
});

test('a rule may name a classifier instead of matchers, with AUDIT or BLOCK only', () => {
  const guarded = variant(policy, (c) => {
    const r = c.spec.rules[0] as Record<string, unknown>;
    delete r.intentMatches;
    delete r.toolMatches;
    delete r.textMatches;
    r.action = 'BLOCK';
    r.classifier = { name: 'injection', when: 'tool-results', failMode: 'open', timeoutMs: 800 };
  });
  assert.deepEqual(codes(validateObject(guarded)), []);
  const redacting = variant(guarded, (c) => {
    c.spec.rules[0].action = 'REDACT';
  });
  assert.deepEqual(codes(validateObject(redacting)), [['SM_ERR_API_CONSTRAINT', 'spec.rules.0']]);
  const wrong = variant(guarded, (c) => {
    (c.spec.rules[0] as Record<string, unknown>).classifier = { name: 'Guard', when: 'later', url: 'x' };
  });
  assert.deepEqual(codes(validateObject(wrong)), [
    ['SM_ERR_API_UNKNOWN_FIELD', 'spec.rules.0.classifier.url'],
    ['SM_ERR_API_SCHEMA', 'spec.rules.0.classifier.name'],
    ['SM_ERR_API_SCHEMA', 'spec.rules.0.classifier.when'],
  ]);
});

test('regexes must be RE2: backreferences and lookarounds are refused in both regex fields', () => {
  const bad = variant(policy, (c) => {
    c.spec.rules[0].toolMatches = [{ name: 'sh', argumentPattern: '(\\w+) \\1' }];
    c.spec.rules[0].textMatches = [{ regex: 'secret(?=:)' }, { regex: '[unclosed' }];
  });
  const issues = validateObject(bad);
  assert.deepEqual(codes(issues), [
    ['SM_ERR_API_REGEX', 'spec.rules.0.toolMatches.0.argumentPattern'],
    ['SM_ERR_API_REGEX', 'spec.rules.0.textMatches.0.regex'],
    ['SM_ERR_API_REGEX', 'spec.rules.0.textMatches.1.regex'],
  ]);
  assert.match(issues[0].message, /backreference/);
  assert.match(issues[1].message, /lookahead/);
  assert.match(issues[2].message, /not a valid RE2 regular expression: missing closing \]/);
});

test('unknown fields are refused everywhere, metadata excepted', () => {
  const bad = variant(policy, (c) => {
    (c.spec as Record<string, unknown>).rule = [];
    (c.spec.selector as Record<string, unknown>).labels = {};
    (c as Record<string, unknown>).extra = 1;
    (c.metadata as Record<string, unknown>).uid = '123';
    (c.metadata as Record<string, unknown>).resourceVersion = '9';
  });
  const issues = validateObject(bad);
  assert.deepEqual(codes(issues), [
    ['SM_ERR_API_UNKNOWN_FIELD', 'extra'],
    ['SM_ERR_API_UNKNOWN_FIELD', 'spec.rule'],
    ['SM_ERR_API_UNKNOWN_FIELD', 'spec.selector.labels'],
  ]);
  assert.match(issues[1].message, /did you mean "rules"/);
});

test('quota limits need something to limit; warnAt must come before the loop threshold', () => {
  const bad = variant(quota, (c) => {
    c.spec.limits = [{ window: 'day' }];
    c.spec.loopDetection = { maxIdenticalPrompts: 3, maxIdenticalToolCalls: 9, warnAt: 3 };
    c.spec.onExceed = 'DROP' as 'BLOCK';
    c.spec.models = { m: { inputPer1M: -1, outputPer1M: 1 } };
  });
  assert.deepEqual(codes(validateObject(bad)), [
    ['SM_ERR_API_CONSTRAINT', 'spec.limits.0'],
    ['SM_ERR_API_SCHEMA', 'spec.models.m.inputPer1M'],
    ['SM_ERR_API_CONSTRAINT', 'spec.loopDetection.warnAt'],
    ['SM_ERR_API_SCHEMA', 'spec.onExceed'],
  ]);
});

test('policy sources: URL scheme, one ref, relative path, durations', () => {
  const bad = variant(source, (c) => {
    c.spec.url = 'ssh://git@host/repo.git';
    c.spec.ref = { branch: 'main', tag: 'v1' };
    c.spec.path = '../other';
    c.spec.interval = '5 minutes';
  });
  const issues = validateObject(bad);
  assert.deepEqual(codes(issues), [
    ['SM_ERR_API_SCHEMA', 'spec.url'],
    ['SM_ERR_API_CONSTRAINT', 'spec.ref'],
    ['SM_ERR_API_CONSTRAINT', 'spec.path'],
    ['SM_ERR_API_SCHEMA', 'spec.interval'],
  ]);
  assert.match(issues[0].message, /is not an http:\/\/ or https:\/\/ URL/);
  assert.match(issues[3].message, /is not a duration such as 30s, 5m/);
  assert.deepEqual(validateObject(variant(source, (c) => (c.spec.path = './a/..b/c'))), []);
});

test('incidents carry a digest, never text, and a real timestamp', () => {
  const bad = variant(incident, (c) => {
    c.spec.requestDigest = 'please delete the prod namespace';
    c.spec.detectedAt = 'yesterday';
    c.spec.action = 'AUDIT' as 'BLOCK';
    (c.status as Record<string, unknown>).phase = 'Frozen';
  });
  assert.deepEqual(codes(validateObject(bad)), [
    ['SM_ERR_API_SCHEMA', 'spec.action'],
    ['SM_ERR_API_SCHEMA', 'spec.detectedAt'],
    ['SM_ERR_API_SCHEMA', 'spec.requestDigest'],
    ['SM_ERR_API_SCHEMA', 'status.phase'],
  ]);
});

test('conditions follow metav1.Condition', () => {
  const bad = variant(policy, (c) => {
    c.status = {
      conditions: [
        {
          type: 'Ready',
          status: 'Yes' as 'True',
          reason: 'has spaces',
          message: '',
          lastTransitionTime: now,
        },
        { type: 'Ready', status: 'True', reason: 'Dup', message: '', lastTransitionTime: now },
      ],
    };
  });
  assert.deepEqual(codes(validateObject(bad)), [
    ['SM_ERR_API_CONSTRAINT', 'status.conditions.1'],
    ['SM_ERR_API_SCHEMA', 'status.conditions.0.status'],
    ['SM_ERR_API_SCHEMA', 'status.conditions.0.reason'],
  ]);
});

test('metadata needs a valid name', () => {
  const unnamed = variant(policy, (c) => {
    delete (c.metadata as Record<string, unknown>).name;
  });
  assert.deepEqual(codes(validateObject(unnamed)), [['SM_ERR_API_CONSTRAINT', 'metadata']]);
  const badName = variant(policy, (c) => {
    c.metadata.name = 'Has Spaces';
  });
  assert.deepEqual(codes(validateObject(badName)), [['SM_ERR_API_SCHEMA', 'metadata.name']]);
});

test('validateObject classifies before it validates', () => {
  assert.deepEqual(codes(validateObject({ apiVersion: 'v1', kind: 'Secret' })), [
    ['SM_NOTE_API_IGNORED', ''],
  ]);
  assert.deepEqual(codes(validateObject(null)), [['SM_ERR_API_TYPE_META', '']]);
  assert.deepEqual(codes(validateObject({ apiVersion: API_VERSION, kind: 'SemaThing' })), [
    ['SM_ERR_API_UNKNOWN_KIND', 'kind'],
  ]);
});
