// Tool calls a model writes as text: agent frameworks that parse actions out of the reply (ReAct's
// `Action:` / `Action Input:`, a JSON tool call in the text) execute them like real tool calls,
// so the reply check reads them as tool calls too.
import type { ToolCall } from '../../policy/decision.js';
import { isRecord, parseArgs } from '../../providers/types.js';

/** Text that starts an action: from here on a stream is held until the reply is complete. */
export const ACTION_MARKER =
  /(^|\n)[ \t*_#>]*Action[ \t*_]*:|\{\s*"(?:name|tool|tool_name|function|action|command)"\s*:/;

const REACT =
  /(?:^|\n)[ \t*_#>]*Action[ \t*_]*:[ \t]*`*([^\n`]*)`*[ \t]*\n+[ \t*_#>]*Action[ \t]*Input[ \t*_]*:[ \t]*([\s\S]*?)(?=\n[ \t*_#>]*(?:Observation|Thought|Action|Final Answer)[ \t*_]*:|$)/g;
const NAME_KEYS = ['name', 'tool', 'tool_name', 'function', 'action'];
const ARG_KEYS = ['arguments', 'args', 'input', 'parameters', 'action_input', 'tool_input', 'params'];
/** JSON objects tried per text (bounded work on a long reply). */
const MAX_OBJECTS = 32;

/** Top-level `{…}` spans of a text, by brace matching outside strings. */
function objects(text: string): string[] {
  const out: string[] = [];
  let start = -1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length && out.length < MAX_OBJECTS; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"' && depth > 0) inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) out.push(text.slice(start, i + 1));
    }
  }
  return out;
}

/** A JSON value shaped like a tool call (`{"tool": "shell", "arguments": {…}}`), if it is one. */
function jsonCall(v: unknown): ToolCall | undefined {
  if (!isRecord(v)) return undefined;
  if (isRecord(v.function) && typeof v.function.name === 'string')
    return {
      id: '',
      name: v.function.name,
      arguments: parseArgs(v.function.arguments ?? v.function.parameters),
    };
  const nameKey = NAME_KEYS.find((k) => typeof v[k] === 'string');
  if (!nameKey) {
    // `{"command": "…"}` alone is a command to run.
    return typeof v.command === 'string'
      ? { id: '', name: 'command', arguments: { command: v.command } }
      : undefined;
  }
  const argKey = ARG_KEYS.find((k) => v[k] !== undefined);
  const rest = Object.fromEntries(Object.entries(v).filter(([k]) => k !== nameKey));
  return { id: '', name: v[nameKey] as string, arguments: argKey ? parseArgs(v[argKey]) : rest };
}

/** The tool calls written in a reply's text. */
export function actionCalls(text: string): ToolCall[] {
  if (!ACTION_MARKER.test(text)) return [];
  const out: ToolCall[] = [];
  for (const m of text.matchAll(REACT)) {
    const name = m[1].trim();
    const input = m[2].trim().replace(/^```\w*\n?|```$/g, '');
    if (name) out.push({ id: '', name, arguments: parseArgs(input) });
  }
  for (const o of objects(text)) {
    try {
      const call = jsonCall(JSON.parse(o));
      if (call) out.push(call);
    } catch {
      // Not JSON: prose with braces.
    }
  }
  return out;
}
