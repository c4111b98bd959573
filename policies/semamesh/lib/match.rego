# METADATA
# title: Rule matching
# description: |
#   Whether a compiled SemaPolicy rule matches a request. Intents were canonicalized to
#   `action:object` pairs on both sides (policy phrases at compile time, traffic in the waypoint),
#   so intent matching is set membership.
package semamesh.lib.match

import rego.v1

rule_matches(rule, inp) if {
	some intent in object.get(rule, "intents", [])
	intent in inp.features.intents
}

rule_matches(rule, inp) if {
	some tool in object.get(rule, "tools", [])
	some call in object.get(inp.request, "tool_calls", [])
	glob.match(tool.name, [], call.name)
	tool_arguments_match(tool, call)
}

rule_matches(rule, inp) if {
	some text in object.get(rule, "texts", [])
	text_matches(text, object.get(inp.request, "text", ""))
}

tool_arguments_match(tool, _) if not tool.argumentPattern

tool_arguments_match(tool, call) if regex.match(tool.argumentPattern, arguments_text(call))

# Arguments are matched as text: as sent (OpenAI sends a JSON string) or serialized to JSON.
arguments_text(call) := call.arguments if is_string(call.arguments)

arguments_text(call) := json.marshal(call.arguments) if not is_string(call.arguments)

arguments_text(call) := "" if not call.arguments

text_matches(text, subject) if contains(lower(subject), lower(text.literal))

text_matches(text, subject) if regex.match(text.regex, subject)
