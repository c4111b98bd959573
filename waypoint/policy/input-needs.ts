// Which parts of the request's text a bundle's Rego can read, found once when the bundle loads, so
// the decision input carries the conversation's text only for a policy that reads it: serialising a
// 400 KB history into the wasm heap on every request costs milliseconds, and the shipped library
// reads intents, counts and tool calls, and the joined text only for rules with `textMatches`.
import type { BundleModule, DecisionRequest } from '../../engine/runtime.js';

/** Request fields that may be left out of the decision input when no module reads them. */
export interface InputNeeds {
  /** `request.text` (the joined conversation). */
  text: boolean;
  /** `request.messages` (every message with its role). */
  messages: boolean;
}

/** Everything: an engine whose Rego is not known (a test engine, a hand-built one) gets it all. */
export const ALL_INPUT: InputNeeds = Object.freeze({ text: true, messages: true });

/** The shipped Rego library, as compileResources names it in every bundle (engine/semapolicy/library.ts). */
const LIBRARY = /^\/?policies\/semamesh\//;

/**
 * `input` followed by a path into fields that carry no conversation text. Any other use of
 * `input` (the whole document, `input.request`, `input[k]`, `input.request.text`, …) could read it.
 */
const NARROW_INPUT =
  /\binput\s*\.\s*(?:agent|features|quota|phase|request\s*\.\s*(?:provider|api|model|stream|max_tokens|tools|tool_calls|method|host|path))\b/g;

/**
 * What a bundle's modules and data can read. The library reads `request.text` only through rules
 * with `texts` in the data; any other module that mentions `input` beyond the narrow fields above
 * is assumed to read everything (conservative: a policy never sees less than it asks for). A
 * bundle whose entrypoint rules were pruned into its policy.wasm (`opa build -t wasm`, `semamesh
 * build`: the .rego imports them back) hides what they read, so it gets everything.
 */
export function inputNeeds(
  modules: readonly BundleModule[],
  data: unknown,
  entrypoints: readonly string[] = [],
): InputNeeds {
  if (isPruned(modules, entrypoints)) return ALL_INPUT;
  let text = hasTextRules(data);
  let messages = false;
  for (const m of modules) {
    if (LIBRARY.test(m.file)) continue;
    const code = stripComments(m.source).replace(NARROW_INPUT, '');
    if (/\binput\b/.test(code)) {
      text = true;
      messages = true;
    }
  }
  return { text, messages };
}

/** Whether some module imports an entrypoint (`import data.pkg.rule`), as pruning leaves them. */
function isPruned(modules: readonly BundleModule[], entrypoints: readonly string[]): boolean {
  const imports = new Set(entrypoints.map((e) => `data.${e.replace(/\//g, '.')}`));
  if (imports.size === 0) return false;
  return modules.some((m) =>
    [...stripComments(m.source).matchAll(/^\s*import\s+([\w.]+)\s*$/gm)].some((x) =>
      imports.has(x[1] as string),
    ),
  );
}

/** Any non-empty `texts` array anywhere in the data (the compiled rules' `textMatches`). */
function hasTextRules(data: unknown, depth = 0): boolean {
  if (depth > 32 || data === null || typeof data !== 'object') return false;
  if (Array.isArray(data)) return data.some((v) => hasTextRules(v, depth + 1));
  for (const [k, v] of Object.entries(data)) {
    if (k === 'texts' && Array.isArray(v) && v.length > 0) return true;
    if (hasTextRules(v, depth + 1)) return true;
  }
  return false;
}

/** Rego comments run from `#` outside a string to the end of the line. */
function stripComments(source: string): string {
  return source.replace(/("(?:[^"\\\n]|\\.)*"|`[^`]*`)|#[^\n]*/g, (_m, str: string | undefined) => str ?? '');
}

/** The request as the decision input carries it: the text fields only when the policy reads them. */
export function requestFor(request: DecisionRequest, needs: InputNeeds): DecisionRequest {
  if (needs.text && needs.messages) return request;
  const out: Partial<DecisionRequest> = {};
  for (const k of Object.keys(request) as (keyof DecisionRequest)[]) {
    if ((k === 'text' && !needs.text) || (k === 'messages' && !needs.messages)) continue;
    (out as Record<string, unknown>)[k] = request[k];
  }
  return out as DecisionRequest;
}
