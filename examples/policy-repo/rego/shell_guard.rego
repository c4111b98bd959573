# Shell guard: blocks tool calls that pipe a download straight into a shell (curl ... | sh).
package custom.shell_guard

import rego.v1

violations contains v if {
	some call in input.request.tool_calls
	call.name == "shell"
	cmd := lower(call.arguments.command)
	contains(cmd, "curl")
	regex.match(`\|\s*(ba|z)?sh(\s|$)`, cmd)
	v := {
		"rule": "no-curl-pipe-sh",
		"action": "BLOCK",
		"risk": "Critical",
		"message": "piping a download into a shell is not allowed",
	}
}
