// Public entry of the wasm backend: compiles an IR Policy into a policy.wasm for @open-policy-agent/opa-wasm.
import { readFileSync } from 'node:fs';
import type { Policy } from '../plan/ir.js';
import { compilePolicy } from './codegen.js';
import { runtimeAbi } from './errors.js';

export { WasmError, type WasmErrorCode } from './errors.js';

export interface WasmOptions {
  /** runtime.wasm bytes; defaults to engine/wasm/runtime/runtime.wasm. */
  runtime?: Uint8Array;
  /**
   * Rego builtin name → runtime export. Defaults to runtime/natives.json with the default runtime,
   * and to none (every builtin is a host builtin) with a custom `runtime`.
   */
  natives?: Readonly<Record<string, string>>;
  /** Largest memory-import minimum to emit (default 5 pages, the SDK's default memory). */
  maxInitialPages?: number;
  /** Replace unreachable runtime functions by traps to shrink the module (default true). */
  prune?: boolean;
  /**
   * Compile in the instruction budget (fuel.ts) so a host can stop a long evaluation. Default: on
   * with the default runtime, off with a custom `runtime` (like `natives`).
   */
  meter?: boolean;
}

let defaultRuntime: { runtime: Uint8Array; natives: Record<string, string> } | undefined;

function loadDefaultRuntime(): { runtime: Uint8Array; natives: Record<string, string> } {
  if (defaultRuntime) return defaultRuntime;
  const dir = new URL('./runtime/', import.meta.url);
  try {
    const runtime = new Uint8Array(readFileSync(new URL('runtime.wasm', dir)));
    const natives = JSON.parse(readFileSync(new URL('natives.json', dir), 'utf8')) as Record<string, string>;
    defaultRuntime = { runtime, natives };
    return defaultRuntime;
  } catch (err) {
    throw runtimeAbi('cannot read runtime/runtime.wasm or runtime/natives.json', err);
  }
}

/** Compiles `policy` into a wasm module implementing OPA's wasm ABI on top of runtime.wasm. */
export function generateWasm(policy: Policy, options: WasmOptions = {}): Uint8Array {
  return compilePolicy(policy, {
    runtime: options.runtime ?? loadDefaultRuntime().runtime,
    natives: options.natives ?? (options.runtime ? {} : loadDefaultRuntime().natives),
    maxInitialPages: options.maxInitialPages,
    prune: options.prune,
    meter: options.meter ?? !options.runtime,
  });
}
