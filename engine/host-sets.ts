// Sets across the host-builtin boundary. The SDK hands host builtins their arguments as JSON (sets
// become arrays) and parses their results as JSON. Our runtime records each host call's arguments
// (opa_host_arg) and reads `#`-marked Rego text in opa_json_parse, so for modules built with it our
// host builtins get their arguments again with sets and exact integers (through opa_value_dump, as
// OPA's own wasm host reads them) and return sets as sets. Modules with another runtime keep the plain JSON path.
import { type HostBuiltin, parseRegoValue, setEncoding } from './builtins/index.js';

type Exports = Record<string, unknown>;
type Fn = (...a: number[]) => number;

/** The instance a policy's builtins talk to; set once the SDK has instantiated the module. */
export interface HostLink {
  exports?: Exports;
  memory?: { buffer: ArrayBuffer };
}

/**
 * Whether JSON `v` lost something the runtime still has: an array anywhere (a set may have been
 * flattened) or an integer beyond 2^53 (rounded by the SDK's JSON.parse).
 */
function lossy(v: unknown): boolean {
  if (typeof v === 'number') return Number.isInteger(v) && !Number.isSafeInteger(v);
  if (Array.isArray(v)) return true;
  if (v !== null && typeof v === 'object') return Object.values(v).some(lossy);
  return false;
}

function readCString(memory: { buffer: ArrayBuffer }, addr: number): string {
  const bytes = new Uint8Array(memory.buffer);
  let end = addr;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(addr, end));
}

/** Links `link` to a loaded instance when its runtime records host arguments; else leaves it unset. */
export function linkHost(link: HostLink, exports: Exports, memory: { buffer: ArrayBuffer }): void {
  if (typeof exports.opa_host_arg === 'function' && typeof exports.opa_value_dump === 'function') {
    link.exports = exports;
    link.memory = memory;
  }
}

/** `builtins` wrapped to pass and return sets through `link`'s instance, when it is linked. */
export function withSets(builtins: Record<string, HostBuiltin>, link: HostLink): Record<string, HostBuiltin> {
  const out: Record<string, HostBuiltin> = {};
  for (const [name, impl] of Object.entries(builtins)) {
    out[name] = (...args: unknown[]) => {
      const { exports, memory } = link;
      if (!exports || !memory) return impl(...args);
      const arg = exports.opa_host_arg as Fn;
      const dump = exports.opa_value_dump as Fn;
      const values = args.map((a, i) => {
        if (!lossy(a)) return a;
        const addr = arg(i);
        return addr === 0 ? a : parseRegoValue(readCString(memory, dump(addr)));
      });
      const previous = setEncoding.regoText;
      setEncoding.regoText = true;
      try {
        return impl(...values);
      } finally {
        setEncoding.regoText = previous;
      }
    };
  }
  return out;
}
