# METADATA
# title: SemaMesh decision
# description: |
#   The entrypoint every waypoint evaluates (`semamesh/decision`). It combines the verdicts of the
#   cluster-wide SemaPolicies, the SemaPolicies of the agent's own namespace, cluster custom Rego and
#   the quota verdict into one decision; the most severe action wins. Custom Rego of a namespace is
#   not reachable from here: each namespace that has some gets its own generated entrypoint
#   (`semamesh/tenant/<ns>/decision`, see engine/semapolicy), so a module that errors or runs long
#   fails only that namespace's decisions.
package semamesh

import rego.v1

import data.semamesh.lib.match
import data.semamesh.lib.selector

# Severity order of actions: the most severe matching action is the decision.
severity := {"ALLOW": 0, "AUDIT": 1, "REDACT": 2, "THROTTLE": 3, "BLOCK": 4, "PAUSE": 5}

risk_rank := {"None": 0, "Low": 1, "Medium": 2, "High": 3, "Critical": 4}

# The cluster-wide policies compiled to data (engine/semapolicy): SemaClusterPolicies, and
# SemaPolicies without a namespace (local mode has a single tenant).
compiled_policies := data.semamesh.policies

default compiled_policies := {}

# The compiled SemaPolicies of the agent's namespace: a namespaced policy is looked up by the
# namespace of the agent (which comes from the kernel-backed identity), never by its selector.
tenant := data.semamesh.namespaces[input.agent.namespace]

default tenant := {"policies": {}}

scoped_policies := {"cluster": compiled_policies, "namespace": tenant.policies}

# Candidate rules as [scope, policy id, rule index]. The compiler indexes rules by intent
# (index.intents), so a request only visits rules sharing one of its intents, plus the rules that
# match on tool calls or text (index.scan). Without an index every rule is a candidate.
candidates contains ["cluster", id, i] if {
	some intent in input.features.intents
	some ref in data.semamesh.index.intents[intent]
	id := ref[0]
	i := ref[1]
}

candidates contains ["cluster", id, i] if {
	some ref in data.semamesh.index.scan
	id := ref[0]
	i := ref[1]
}

candidates contains ["cluster", id, i] if {
	not data.semamesh.index
	some id, policy in compiled_policies
	some i, _ in policy.rules
}

candidates contains ["namespace", id, i] if {
	some intent in input.features.intents
	some ref in tenant.index.intents[intent]
	id := ref[0]
	i := ref[1]
}

candidates contains ["namespace", id, i] if {
	some ref in tenant.index.scan
	id := ref[0]
	i := ref[1]
}

# Every (policy, rule) pair that matches this request, with the action it asks for after dry-run.
violations contains v if {
	some c in candidates
	id := c[1]
	policy := scoped_policies[c[0]][id]
	selector.selects(object.get(policy, "selector", {}), input.agent)
	rule := policy.rules[c[2]]
	match.rule_matches(rule, input)
	v := {
		"policy": id,
		"rule": rule.name,
		"action": effective_action(policy, rule),
		"risk": object.get(rule, "risk", "Medium"),
		"message": rule_message(policy, rule),
		"redactions": rule_redactions(rule),
	}
}

# Rules that name a classifier (index.classify) and select this agent, whatever the request says:
# the waypoint consults each classifier on its trigger and applies the rule's action on an unsafe
# verdict (docs/classifier.md). The request phase only: responses are checked by their tool calls.
classifier_refs contains ["cluster", ref[0], ref[1]] if {
	some ref in data.semamesh.index.classify
}

classifier_refs contains ["namespace", ref[0], ref[1]] if {
	some ref in tenant.index.classify
}

classifier_requests contains c if {
	input.phase == "request"
	some r in classifier_refs
	policy := scoped_policies[r[0]][r[1]]
	selector.selects(object.get(policy, "selector", {}), input.agent)
	rule := policy.rules[r[2]]
	c := {
		"policy": r[1],
		"rule": rule.name,
		"action": effective_action(policy, rule),
		"risk": object.get(rule, "risk", "Medium"),
		"message": rule_message(policy, rule),
		"classifier": rule.classifier,
	}
}

# Present only when some rule asks, so decisions without classifiers keep their shape.
classifier_part := {"classifiers": [c | some c in classifier_requests]} if count(classifier_requests) > 0

default classifier_part := {}

# Cluster custom Rego (SemaClusterPolicy.spec.rego, or a namespace-less SemaPolicy in local mode).
violations contains v if {
	some name
	some custom in data.semamesh.custom[name].violations
	v := custom_violation(name, custom)
}

# One violation reported by a custom module, in the shape of the others.
custom_violation(name, custom) := {
	"policy": sprintf("custom/%s", [name]),
	"rule": object.get(custom, "rule", name),
	"action": object.get(custom, "action", "BLOCK"),
	"risk": object.get(custom, "risk", "High"),
	"message": object.get(custom, "message", "custom policy violation"),
	"redactions": object.get(custom, "redactions", []),
}

# The quota verdict computed by the waypoint's budget engine.
violations contains v if {
	input.quota.exceeded == true
	v := {
		"policy": object.get(input.quota, "name", "quota"),
		"rule": "budget",
		"action": object.get(input.quota, "action", "THROTTLE"),
		"risk": "Medium",
		"message": object.get(input.quota, "message", "token or cost budget exhausted"),
		"redactions": [],
	}
}

# Dry-run policies never enforce: a non-ALLOW action is downgraded to AUDIT and says so.
effective_action(policy, rule) := "AUDIT" if {
	policy.enforcement == "dryrun"
	rule.action != "ALLOW"
}

effective_action(policy, rule) := rule.action if {
	object.get(policy, "enforcement", "enforce") != "dryrun"
}

effective_action(policy, rule) := "ALLOW" if {
	policy.enforcement == "dryrun"
	rule.action == "ALLOW"
}

rule_message(policy, rule) := sprintf("dry run: would %s: %s", [rule.action, object.get(rule, "message", rule.name)]) if {
	policy.enforcement == "dryrun"
}

rule_message(policy, rule) := object.get(rule, "message", rule.name) if {
	object.get(policy, "enforcement", "enforce") != "dryrun"
}

# The decision for a set of violations; tenant entrypoints call it with their custom violations added.
decide(vs) := object.union(
	{
		"action": action_of(vs),
		"risk": risk_of(vs),
		"reasons": reasons_of(vs),
		"redactions": redactions_of(vs),
	},
	classifier_part,
)

action_of(vs) := a if {
	top := max({severity[v.action] | some v in vs})
	some a, s in severity
	s == top
}

action_of(vs) := "ALLOW" if count(vs) == 0

risk_of(vs) := r if {
	top := max({risk_rank[v.risk] | some v in vs})
	some r, n in risk_rank
	n == top
}

risk_of(vs) := "None" if count(vs) == 0

# Reasons list the violations that decided the action first (most severe first), each group in the
# sorted order of the violations set, so the output is stable.
reasons_of(vs) := [{"policy": v.policy, "rule": v.rule, "message": v.message, "action": v.action} |
	some neg in sort({(0 - severity[x.action]) | some x in vs})
	some v in vs
	severity[v.action] == 0 - neg
]

# What REDACT rules ask the waypoint to rewrite: their text matches, or every detected PII kind.
redactions_of(vs) := [r | some r in {x | some v in vs; v.action == "REDACT"; some x in v.redactions}]

rule_redactions(rule) := [{"kind": "pii"}] if count(object.get(rule, "texts", [])) == 0

rule_redactions(rule) := [text_redaction(t) | some t in rule.texts] if count(object.get(rule, "texts", [])) > 0

text_redaction(t) := {"literal": t.literal} if t.literal

text_redaction(t) := {"pattern": t.regex} if t.regex

decision := decide(violations)
