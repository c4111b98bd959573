package semamesh.lib.selector_test

import rego.v1

import data.semamesh.lib.selector

agent := {"namespace": "ai", "serviceAccount": "bot", "labels": {"app": "agent", "tier": "gold"}}

test_empty_selector_selects_everyone if selector.selects({}, agent)

test_namespace_selector if {
	selector.selects({"namespaces": ["ai", "ml"]}, agent)
	not selector.selects({"namespaces": ["payments"]}, agent)
}

test_label_selector_needs_every_label if {
	selector.selects({"podLabels": {"app": "agent"}}, agent)
	not selector.selects({"podLabels": {"app": "agent", "tier": "silver"}}, agent)
}

test_service_account_selector if {
	selector.selects({"serviceAccounts": ["bot"]}, agent)
	not selector.selects({"serviceAccounts": ["human"]}, agent)
}
