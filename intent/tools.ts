// Tool calls for the intent canonicalizer: a tool name and its JSON arguments to `action:object` pairs.

import * as L from './lexicon.js';
import { type ProseReader, pair } from './prose.js';
import { type CommandReader, looksLikeCommand, restPairs } from './shell.js';
import { looksLikeStore } from './sql.js';

/** What reading a tool call needs from the canonicalizer: commands, plus prose and content tools. */
export interface ToolCallReader extends CommandReader, Pick<ProseReader, 'isContentTool'> {
  pairs(text: string): string[];
}

interface Leaf {
  key: string;
  value: string;
}

/** Collects string leaves (with their key) and truthy keys of JSON arguments, bounded in depth and size. */
function collect(value: unknown, key: string, leaves: Leaf[], keys: string[], depth: number): void {
  if (depth > 32 || leaves.length + keys.length > 1000) return;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        collect(JSON.parse(trimmed), key, leaves, keys, depth + 1);
        return;
      } catch {
        // not JSON after all: treat as text
      }
    }
    leaves.push({ key, value });
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, key, leaves, keys, depth + 1);
    // An argument vector (`["vm", "delete", "--name", "x"]`) is also read as one command line.
    if (
      value.length > 1 &&
      value.length <= 64 &&
      value.every((v) => typeof v === 'string' && !/\s/.test(v))
    ) {
      leaves.push({ key, value: value.join(' ') });
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (v !== false && v !== null && v !== 0) keys.push(k);
      collect(v, k.toLowerCase(), leaves, keys, depth + 1);
    }
  }
}

const VERB_KEY = new Set(L.VERB_KEYS);
const KIND_KEY = new Set(L.KIND_KEYS);
const URL_KEY = new Set(L.URL_KEYS);

/** Pairs of a tool call, as `Canonicalizer.toolCall` describes them. */
export function toolCallPairs(c: ToolCallReader, name: string, args: unknown): string[] {
  const leaves: Leaf[] = [];
  const keys: string[] = [];
  collect(args, '', leaves, keys, 0);
  const found = new Set<string>();
  // Every string on its own: shell commands, SQL, prose (not the text a search or translation
  // tool works on: that is content, not an instruction).
  const content = c.isContentTool(name);
  for (const leaf of leaves) {
    if (content && !looksLikeStore(leaf.value) && !looksLikeCommand(c, leaf.value)) continue;
    for (const p of c.pairs(leaf.value)) found.add(p);
  }
  // Keys are identifiers: `{delete_namespaces: [...]}`.
  for (const k of keys) for (const p of c.name(k)) found.add(p);
  // The structure: an action from the name or a verb argument, objects from kind/URL arguments,
  // else from the name, else from argument keys.
  const named = c.meaning(name);
  let action = named.actions[0];
  const objects: string[] = [];
  let method: string | undefined;
  for (const leaf of leaves) {
    const v = leaf.value.trim();
    if (v.length === 0 || v.length > 60 || /\s/.test(v)) continue;
    if (VERB_KEY.has(leaf.key)) {
      const http = L.HTTP_METHODS[v.toLowerCase()];
      if (http && leaf.key === 'method') method = v;
      const m = c.meaning(v);
      action ??= http ?? m.actions[0];
      if (m.head) objects.push(m.head);
    } else if (KIND_KEY.has(leaf.key)) {
      const o = c.meaning(v).head;
      if (o) objects.push(o);
    }
  }
  if (method) {
    const url = leaves.find((l) => URL_KEY.has(l.key));
    if (url) for (const p of restPairs(c, method, url.value)) found.add(p);
  }
  if (action === undefined) return [...found].sort();
  if (objects.length === 0 && named.head) objects.push(named.head);
  // A command runner's argument keys (`{command, namespace}`) say where, not what.
  if (objects.length === 0 && action !== 'execute') {
    for (const k of keys) {
      const m = c.meaning(k);
      if (m.actions.length === 0 && m.head) objects.push(m.head);
    }
  }
  for (const o of objects) found.add(pair(action, o));
  return [...found].sort();
}
