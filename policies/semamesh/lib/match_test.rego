package semamesh.lib.match_test

import rego.v1

import data.semamesh.lib.match

inp(text, intents) := {"request": {"text": text, "tool_calls": []}, "features": {"intents": intents}}

test_intent_membership if {
	match.rule_matches({"intents": ["delete:database"]}, inp("", ["delete:database", "read:namespace"]))
	not match.rule_matches({"intents": ["delete:database"]}, inp("", ["read:database"]))
}

test_literal_text_is_case_insensitive if {
	match.rule_matches({"texts": [{"literal": "DROP TABLE"}]}, inp("please drop table users", []))
}

test_regex_text if {
	match.rule_matches({"texts": [{"regex": "rm\\s+-rf"}]}, inp("run rm   -rf / now", []))
	not match.rule_matches({"texts": [{"regex": "rm\\s+-rf"}]}, inp("remove the file", []))
}

test_tool_arguments_as_object_are_matched_as_json if {
	rule := {"tools": [{"name": "shell", "argumentPattern": "kubectl delete"}]}
	call := {"name": "shell", "arguments": {"command": "kubectl delete ns prod"}}
	match.rule_matches(rule, {"request": {"text": "", "tool_calls": [call]}, "features": {"intents": []}})
}

test_tool_name_glob if {
	rule := {"tools": [{"name": "db_*"}]}
	match.rule_matches(rule, {"request": {"text": "", "tool_calls": [{"name": "db_drop"}]}, "features": {"intents": []}})
	not match.rule_matches(rule, {"request": {"text": "", "tool_calls": [{"name": "shell"}]}, "features": {"intents": []}})
}
