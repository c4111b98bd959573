// Fingerprints for loop detection: a hash of the normalized prompt, of each tool call (name +
// canonical JSON arguments) and of a request's set of tool calls (a "step", for ping-pong).
import { createHash } from 'node:crypto';

/** A tool call as the waypoint extracts it; `arguments` may be the provider's JSON string. */
export interface ToolCallRef {
  name: string;
  arguments?: unknown;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** NFKC, case-folded, whitespace collapsed: retries that differ only in spacing or case are the same prompt. */
export function normalizePrompt(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

export function promptFingerprint(text: string): string {
  return digest(`p\u0000${normalizePrompt(text)}`);
}

/** JSON with object keys sorted at every level, so argument order never makes two calls differ. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

function parseArgs(args: unknown): unknown {
  if (typeof args !== 'string') return args ?? {};
  try {
    return JSON.parse(args);
  } catch {
    return args.trim();
  }
}

/**
 * A tool call's fingerprint. Strings are taken as already-canonical call texts (e.g. a shell
 * command); objects are hashed from name + canonical arguments.
 */
export function toolCallFingerprint(call: string | ToolCallRef): string {
  if (typeof call === 'string') return digest(`s\u0000${call.trim()}`);
  return digest(`t\u0000${call.name}\u0000${canonicalJson(parseArgs(call.arguments))}`);
}

/** The step of a request: its distinct tool calls, order-free. */
export function stepFingerprint(toolCallHashes: readonly string[]): string | undefined {
  if (toolCallHashes.length === 0) return undefined;
  return digest(`step\u0000${[...new Set(toolCallHashes)].sort().join(',')}`);
}
