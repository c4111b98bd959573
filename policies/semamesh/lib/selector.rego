# METADATA
# title: Agent selectors
# description: Whether a SemaPolicy or SemaQuota selector selects an agent. An omitted field matches all.
package semamesh.lib.selector

import rego.v1

selects(sel, agent) if {
	namespaces_match(sel, agent)
	labels_match(sel, agent)
	service_accounts_match(sel, agent)
}

namespaces_match(sel, _) if count(object.get(sel, "namespaces", [])) == 0

namespaces_match(sel, agent) if agent.namespace in sel.namespaces

labels_match(sel, agent) if {
	wanted := object.get(sel, "podLabels", {})
	have := object.get(agent, "labels", {})
	every key, value in wanted {
		have[key] == value
	}
}

service_accounts_match(sel, _) if count(object.get(sel, "serviceAccounts", [])) == 0

service_accounts_match(sel, agent) if agent.serviceAccount in sel.serviceAccounts
