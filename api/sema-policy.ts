// SemaPolicy: rules that match an agent's intent, tool calls or text and decide ALLOW, AUDIT, REDACT, BLOCK or PAUSE.
import { type Static, Type } from '@sinclair/typebox';
import { AgentSelector, NamespacedAgentSelector, resource, statusWith } from './common.js';
import { celRules, Obj, PATTERNS, Re2Regex, StringEnum } from './schema-helpers.js';

export const RISK_LEVELS = ['Low', 'Medium', 'High', 'Critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** Ordered from least to most severe: the engine's "most severe action wins" follows this order. */
export const POLICY_ACTIONS = ['ALLOW', 'AUDIT', 'REDACT', 'BLOCK', 'PAUSE'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

export const ENFORCEMENT_MODES = ['enforce', 'dryrun'] as const;

export const ToolMatch = Obj(
  {
    name: Type.String({
      description:
        "Tool (function) name, exact or a glob where '*' matches any run of characters and '?' one character, e.g. `kubectl_*`.",
      minLength: 1,
      maxLength: 256,
    }),
    argumentPattern: Type.Optional(
      Re2Regex({
        description:
          "RE2 regular expression searched in the tool call's arguments serialized as JSON; omitted matches any arguments. RE2 semantics: linear time, no backreferences or lookarounds.",
      }),
    ),
  },
  { description: 'Matches a tool call by tool name and, optionally, by its arguments.' },
);
export type ToolMatch = Static<typeof ToolMatch>;

export const TextMatch = Obj(
  {
    literal: Type.Optional(
      Type.String({
        description:
          'Text that matches when it occurs in the prompt or response (case-insensitive, after NFKC).',
        minLength: 1,
        maxLength: 4096,
      }),
    ),
    regex: Type.Optional(
      Re2Regex({
        description:
          'RE2 regular expression searched in the prompt or response text. Matching uses RE2 semantics (linear time), so backreferences and lookarounds are rejected.',
      }),
    ),
  },
  {
    description: 'Matches raw text: give exactly one of `literal` or `regex`.',
    ...celRules({
      rule: 'has(self.literal) != has(self.regex)',
      message: 'exactly one of literal or regex must be set',
    }),
  },
);
export type TextMatch = Static<typeof TextMatch>;

/** Verdict triggers of a classifier (docs/classifier.md): when the guard model is consulted. */
export const CLASSIFIER_TRIGGERS = ['unsure', 'tool-results', 'always'] as const;

export const ClassifierRef = Obj(
  {
    name: Type.String({
      description:
        'A classifier configured on the waypoint (`semamesh waypoint --classifiers`, `semamesh up --classifiers`): its endpoint, model, template and key stay with the operator; a policy only names it.',
      pattern: PATTERNS.dnsLabel,
      minLength: 1,
      maxLength: 63,
    }),
    when: Type.Optional(
      StringEnum(CLASSIFIER_TRIGGERS, {
        description:
          '`unsure`: the analyser set a destructive action word aside without a firm reading; `tool-results`: the request carries tool results (prompt injection, exfiltration); `always`: every request.',
        default: 'unsure',
      }),
    ),
    categories: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        description:
          'Verdict categories that count (e.g. `S14`); omitted: those of the configured classifier, else any unsafe verdict.',
        maxItems: 32,
      }),
    ),
    failMode: Type.Optional(
      StringEnum(['open', 'closed'] as const, {
        description:
          'No verdict (error, timeout, classifier not configured on the waypoint): `closed` refuses with 503, `open` allows and records why.',
        default: 'closed',
      }),
    ),
    timeoutMs: Type.Optional(
      Type.Integer({
        description:
          'Latency budget per call in milliseconds; omitted: that of the configured classifier (default 1500).',
        minimum: 10,
        maximum: 60000,
        format: 'int32',
      }),
    ),
  },
  {
    description:
      "A guard model this rule consults on the request, for what intents, tools and text cannot see; an unsafe verdict applies the rule's action (AUDIT or BLOCK).",
  },
);
export type ClassifierRef = Static<typeof ClassifierRef>;

export const PolicyRule = Obj(
  {
    name: Type.String({
      description: 'Rule name, unique within the policy; reported in decisions, audit logs and incidents.',
      pattern: PATTERNS.dnsLabel,
      minLength: 1,
      maxLength: 63,
    }),
    intentMatches: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        description:
          'Intent phrases such as "delete namespace" or "drop database". They are canonicalized into verb:object pairs through synonym sets, so "remove the prod ns" matches "delete namespace".',
        maxItems: 64,
      }),
    ),
    toolMatches: Type.Optional(
      Type.Array(ToolMatch, { description: 'Tool calls that match this rule.', maxItems: 64 }),
    ),
    textMatches: Type.Optional(
      Type.Array(TextMatch, {
        description: 'Literal text or RE2 patterns that match this rule.',
        maxItems: 64,
      }),
    ),
    classifier: Type.Optional(ClassifierRef),
    riskLevel: StringEnum(RISK_LEVELS, { description: 'Risk recorded with every decision this rule makes.' }),
    action: StringEnum(POLICY_ACTIONS, {
      description: 'What happens when the rule matches; across matching rules the most severe action wins.',
    }),
    message: Type.Optional(
      Type.String({
        description: 'Explanation returned to the agent and written to the audit log.',
        maxLength: 1024,
      }),
    ),
  },
  {
    description: 'One rule: what to match and what to do about it.',
    ...celRules(
      {
        rule: '(has(self.intentMatches) && size(self.intentMatches) > 0) || (has(self.toolMatches) && size(self.toolMatches) > 0) || (has(self.textMatches) && size(self.textMatches) > 0) || has(self.classifier)',
        message: 'a rule needs at least one intentMatches, toolMatches or textMatches entry, or a classifier',
      },
      {
        rule: "!has(self.classifier) || self.action == 'AUDIT' || self.action == 'BLOCK'",
        message: 'a rule that names a classifier has action AUDIT or BLOCK',
      },
    ),
  },
);
export type PolicyRule = Static<typeof PolicyRule>;

function policySpec(selector: typeof AgentSelector) {
  return Obj(
    {
      rules: Type.Array(PolicyRule, {
        description: 'The rules of this policy; names are unique.',
        minItems: 1,
        maxItems: 256,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
      selector: Type.Optional(selector),
      enforcement: Type.Optional(
        StringEnum(ENFORCEMENT_MODES, {
          description:
            '`enforce` applies the actions; `dryrun` only records what would have happened (as AUDIT).',
          default: 'enforce',
        }),
      ),
      rego: Type.Optional(
        Type.String({
          description:
            'A custom Rego module compiled into the bundle next to the rules. It contributes to the decision through the documented `semamesh` entrypoint contract. In a namespaced SemaPolicy it may read only `input` and its own package, and its violations apply only to agents of its namespace.',
          maxLength: 262144,
        }),
      ),
      priority: Type.Optional(
        Type.Integer({
          description:
            'Orders policies in decision reasons and audit logs (higher first, ties by namespace/name). It never weakens "most severe action wins".',
          minimum: -1000000,
          maximum: 1000000,
          default: 0,
          format: 'int32',
        }),
      ),
    },
    { description: 'SemaPolicySpec defines the rules and where they apply.' },
  );
}

export const SemaPolicySpec = policySpec(NamespacedAgentSelector);
/** A SemaClusterPolicy has the same rules; its selector may name any namespaces. */
export const SemaClusterPolicySpec = policySpec(AgentSelector);
export type SemaPolicySpec = Static<typeof SemaPolicySpec>;

export const SemaPolicyStatus = statusWith(
  {
    compiledRevision: Type.Optional(
      Type.String({
        description: 'Revision of the policy bundle that includes this generation.',
        maxLength: 256,
      }),
    ),
    rules: Type.Optional(
      Type.Integer({
        description: 'Number of rules compiled from this policy.',
        minimum: 0,
        format: 'int32',
      }),
    ),
  },
  'SemaPolicyStatus is the observed state of a SemaPolicy.',
);
export type SemaPolicyStatus = Static<typeof SemaPolicyStatus>;

export const SemaPolicy = resource(
  'SemaPolicy governs what AI agents may do: rules match intents, tool calls or text and decide an action.',
  SemaPolicySpec,
  SemaPolicyStatus,
);
export type SemaPolicy = Static<typeof SemaPolicy>;

export const SemaClusterPolicy = resource(
  'SemaClusterPolicy is a SemaPolicy for the whole cluster: it governs agents in every namespace its selector names (all when omitted). Only cluster admins can write it.',
  SemaClusterPolicySpec,
  SemaPolicyStatus,
);
export type SemaClusterPolicy = Static<typeof SemaClusterPolicy>;
