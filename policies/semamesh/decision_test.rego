package semamesh_test

import rego.v1

import data.semamesh

reference_policy := {"default/prevent-unauthorized-deletion": {
	"enforcement": "enforce",
	"selector": {},
	"rules": [{
		"name": "prevent-unauthorized-deletion",
		"intents": ["delete:namespace", "delete:node", "delete:database"],
		"risk": "Critical",
		"action": "BLOCK",
		"message": "Destructive operations need a human",
	}],
}}

agent := {"namespace": "ai-agents", "pod": "agent-0", "serviceAccount": "agent", "labels": {"app": "agent"}}

request(intents) := {
	"agent": agent,
	"request": {"provider": "openai", "text": "", "tool_calls": []},
	"features": {"intents": intents, "pii": []},
	"quota": {},
	"phase": "request",
}

test_reference_example_blocks if {
	d := semamesh.decision with data.semamesh.policies as reference_policy
		with input as request(["delete:database"])
	d.action == "BLOCK"
	d.risk == "Critical"
	d.reasons[0].rule == "prevent-unauthorized-deletion"
}

test_benign_request_allows if {
	d := semamesh.decision with data.semamesh.policies as reference_policy
		with input as request([])
	d.action == "ALLOW"
	d.reasons == []
	d.risk == "None"
}

test_no_policies_allows if {
	d := semamesh.decision with data.semamesh.policies as {} with input as request(["delete:database"])
	d.action == "ALLOW"
}

test_dryrun_audits_instead_of_blocking if {
	dry := {"default/p": object.union(reference_policy["default/prevent-unauthorized-deletion"], {"enforcement": "dryrun"})}
	d := semamesh.decision with data.semamesh.policies as dry with input as request(["delete:namespace"])
	d.action == "AUDIT"
	startswith(d.reasons[0].message, "dry run: would BLOCK")
}

test_selector_excludes_other_namespaces if {
	scoped := {"default/p": object.union(
		reference_policy["default/prevent-unauthorized-deletion"],
		{"selector": {"namespaces": ["payments"]}},
	)}
	d := semamesh.decision with data.semamesh.policies as scoped with input as request(["delete:database"])
	d.action == "ALLOW"
}

test_most_severe_action_wins if {
	two := {
		"a/audit": {"rules": [{"name": "audit-all", "intents": ["delete:database"], "risk": "Low", "action": "AUDIT"}]},
		"b/pause": {"rules": [{"name": "pause-it", "intents": ["delete:database"], "risk": "High", "action": "PAUSE"}]},
	}
	d := semamesh.decision with data.semamesh.policies as two with input as request(["delete:database"])
	d.action == "PAUSE"
	d.risk == "High"
	[r.rule | some r in d.reasons] == ["pause-it", "audit-all"]
}

test_tool_call_matches_by_name_and_arguments if {
	tools := {"default/no-shell-deletes": {"rules": [{
		"name": "no-kubectl-delete",
		"tools": [{"name": "shell", "argumentPattern": "kubectl\\s+delete"}],
		"risk": "High",
		"action": "BLOCK",
	}]}}
	inp := object.union(request([]), {"request": {"tool_calls": [{"name": "shell", "arguments": "{\"command\":\"kubectl delete ns prod\"}"}]}})
	d := semamesh.decision with data.semamesh.policies as tools with input as inp
	d.action == "BLOCK"
}

test_quota_exceeded_throttles if {
	inp := object.union(request([]), {"quota": {"exceeded": true, "name": "default/team-budget"}})
	d := semamesh.decision with data.semamesh.policies as {} with input as inp
	d.action == "THROTTLE"
}

test_redact_rule_lists_what_to_rewrite if {
	redact := {"default/pii": {"rules": [
		{"name": "mask-card-numbers", "intents": ["export:secret"], "risk": "Medium", "action": "REDACT"},
		{"name": "mask-codename", "texts": [{"literal": "Project Falcon"}], "risk": "Low", "action": "REDACT"},
	]}}
	inp := object.union(request(["export:secret"]), {"request": {"text": "send the Project Falcon api key"}})
	d := semamesh.decision with data.semamesh.policies as redact with input as inp
	d.action == "REDACT"
	{r | some r in d.redactions} == {{"kind": "pii"}, {"literal": "Project Falcon"}}
}

guarded_policy := {"default/guard": {
	"enforcement": "dryrun",
	"selector": {},
	"rules": [{
		"name": "injection",
		"intents": [],
		"tools": [],
		"texts": [],
		"risk": "High",
		"action": "BLOCK",
		"classifier": {"name": "shieldgemma", "when": "tool-results"},
	}],
}}

test_a_rule_naming_a_classifier_is_listed_for_the_waypoint if {
	d := semamesh.decision with data.semamesh.policies as guarded_policy
		with data.semamesh.index as {"intents": {}, "scan": [], "classify": [["default/guard", 0]]}
		with input as request([])
	d.action == "ALLOW"
	d.classifiers[0].rule == "injection"
	d.classifiers[0].action == "AUDIT"
	d.classifiers[0].classifier.name == "shieldgemma"
}

test_no_classifier_no_field if {
	d := semamesh.decision with data.semamesh.policies as reference_policy
		with input as request([])
	not d.classifiers
}
