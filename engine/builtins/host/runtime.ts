// Plumbing shared by every host builtin: the guard that makes a call behave like OPA's wasm target
// (wrong operand types and thrown errors give undefined, as there is no strict mode), the encoding of
// results for the SDK (sets as sorted arrays or Rego text, bigints as exact JSON text in an
// ArrayBuffer, which the SDK passes raw to opa_json_parse), and the per-evaluation memo that
// nondeterministic builtins use (OPA returns one value per query for equal arguments; the SDK's
// evaluate() is synchronous, so a memo cleared on the next microtask lives exactly one evaluation).
import { BUILTINS, type TypeDesc, typeOfValue } from '../catalog.js';
import type { Json } from './args.js';
import { toSet } from './values.js';

/** A set value built by a host builtin; converted by `encodeResult` before it reaches the SDK. */
export class RegoSet {
  readonly items: HostValue[];

  constructor(items: Iterable<HostValue>) {
    this.items = toSet(items);
  }
}

/** What host builtins may return: JSON plus sets and exact integers (bigint, e.g. nanoseconds). */
export type HostValue = Json | bigint | RegoSet | HostValue[] | { [key: string]: HostValue };

/** True when `v` holds a set or a bigint, which plain JSON.stringify cannot carry. */
function special(v: unknown): boolean {
  if (v instanceof RegoSet || typeof v === 'bigint') return true;
  if (Array.isArray(v)) return v.some(special);
  if (v !== null && typeof v === 'object') return Object.values(v).some(special);
  return false;
}

function hasBigint(v: unknown): boolean {
  if (typeof v === 'bigint') return true;
  if (v instanceof RegoSet) return v.items.some(hasBigint);
  if (Array.isArray(v)) return v.some(hasBigint);
  if (v !== null && typeof v === 'object') return Object.values(v).some(hasBigint);
  return false;
}

/** `v` with every set as a sorted array: the JSON form OPA marshals sets to. */
export function setsAsArrays(v: HostValue): HostValue {
  return special(v) ? toJson(v) : v;
}

function toJson(v: HostValue): HostValue {
  if (v instanceof RegoSet) return v.items.map(toJson);
  if (Array.isArray(v)) return v.map(toJson);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, HostValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJson(x);
    return out;
  }
  return v;
}

/** Rego value text that the runtime's set-aware parser reads back (strings JSON-quoted). */
export function regoValueText(v: HostValue): string {
  if (v instanceof RegoSet)
    return v.items.length === 0 ? 'set()' : `{${v.items.map(regoValueText).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(regoValueText).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${regoValueText(x)}`)
      .join(',')}}`;
  }
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v);
}

/**
 * Whether results with sets are sent as Rego text, marked by a leading `#` comment that our
 * runtime's `opa_json_parse` reads as such (a stock runtime would reject it).
 */
export const setEncoding = { regoText: false };

/** What the SDK gets for a host builtin's result: plain JSON, or Rego text bytes when sets matter. */
export function encodeResult(v: unknown): unknown {
  if (v === undefined || !special(v)) return v;
  const plain = setEncoding.regoText ? (v as HostValue) : toJson(v as HostValue);
  if (!setEncoding.regoText && !hasBigint(plain)) return plain;
  // An ArrayBuffer reaches opa_json_parse untouched, so exact integers (and sets) survive.
  const text = setEncoding.regoText ? `#\n${regoValueText(plain)}` : regoValueText(plain);
  const bytes = new TextEncoder().encode(text);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

// biome-ignore lint/suspicious/noExplicitAny: the SDK calls host builtins with JSON-decoded values.
export type HostBuiltin = (...args: any[]) => unknown;

/**
 * Sets reach host builtins as arrays through the SDK's JSON marshalling, so a `set` slot accepts
 * arrays too; with our runtime the policy loader reads arguments again with their sets (RegoSet).
 */
function accepts(desc: TypeDesc, v: unknown): boolean {
  if (desc.includes('any')) return true;
  if (v instanceof RegoSet) return desc.includes('set');
  const t = typeof v === 'bigint' ? 'number' : typeOfValue(v);
  return desc.includes(t) || (t === 'array' && desc.includes('set'));
}

/** Last error per builtin, for debugging a policy whose host call came out undefined. */
export const lastHostErrors = new Map<string, unknown>();

/**
 * Builtins whose implementations take sets as RegoSet (a set argument matters to the result: a
 * patch addressing set members, a request passed back with its sets); the others get arrays.
 */
const SET_ARGUMENTS = new Set(['json.patch', 'providers.aws.sign_req']);

/** Builtins that take integers beyond 2^53 as bigint (int64 nanoseconds); the others get numbers. */
const EXACT_INTEGERS = new Set([
  'time.format',
  'time.date',
  'time.clock',
  'time.weekday',
  'time.add_date',
  'time.diff',
]);

/** An argument as an implementation takes it: sets as arrays and bigints as numbers unless kept. */
function argument(v: HostValue, keepSets: boolean, keepBigints: boolean): HostValue {
  if (typeof v === 'bigint') return keepBigints ? v : Number(v);
  if (v instanceof RegoSet) {
    const items = v.items.map((x) => argument(x, keepSets, keepBigints));
    return keepSets ? new RegoSet(items) : items;
  }
  if (Array.isArray(v)) return v.map((x) => argument(x, keepSets, keepBigints));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, HostValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = argument(x, keepSets, keepBigints);
    return out;
  }
  return v;
}

export function guard(name: string, impl: HostBuiltin): HostBuiltin {
  const argTypes = BUILTINS.get(name)?.args;
  const keepSets = SET_ARGUMENTS.has(name);
  const keepBigints = EXACT_INTEGERS.has(name);
  return (...args: unknown[]) => {
    if (argTypes) {
      if (args.length !== argTypes.length) return undefined;
      for (let i = 0; i < args.length; i++) if (!accepts(argTypes[i], args[i])) return undefined;
    }
    try {
      const result = impl(
        ...args.map((a) => (special(a) ? argument(a as HostValue, keepSets, keepBigints) : a)),
      );
      if (typeof result === 'number' && !Number.isFinite(result)) return undefined;
      return encodeResult(result);
    } catch (err) {
      lastHostErrors.set(name, err);
      return undefined;
    }
  };
}

export class EvalCache<V> {
  private values = new Map<string, V>();
  private scheduled = false;

  get(key: string, make: () => V): V {
    let v = this.values.get(key);
    if (v === undefined) {
      v = make();
      this.values.set(key, v);
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => this.clear());
      }
    }
    return v;
  }

  clear(): void {
    this.values.clear();
    this.scheduled = false;
  }
}
