// Test harness that instantiates runtime.wasm on its own (no generated code) and exposes its ABI.
import { readFileSync } from 'node:fs';

export const runtimeDir = new URL('.', import.meta.url).pathname;

/** The parts of the WebAssembly JS API the tests use (the project's TS libs omit the global). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmDescriptor {
  module?: string;
  name: string;
  kind: string;
}
export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Module: {
    new (bytes: Uint8Array): object;
    imports(module: object): WasmDescriptor[];
    exports(module: object): WasmDescriptor[];
  };
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Raised by the env.opa_abort import, carrying the runtime's NUL-terminated message. */
export class RuntimeAbort extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeAbort';
  }
}

type Fn = (...args: (number | bigint)[]) => number;

export interface Runtime {
  readonly exports: Record<string, Fn>;
  readonly memory: WasmMemory;
  readonly heapBase: number;
  readonly printed: string[];
  /** Writes text into fresh heap memory and returns [address, byte length]. */
  write(text: string | Uint8Array): [number, number];
  readCString(addr: number): string;
  jsonParse(text: string | Uint8Array): number;
  valueParse(text: string): number;
  jsonDump(addr: number): string;
  valueDump(addr: number): string;
  /** Calls an exported native builtin with Rego value texts; returns the JSON dump or undefined. */
  callNative(exportName: string, ...args: string[]): string | undefined;
}

export function loadNatives(): Record<string, string> {
  return JSON.parse(readFileSync(new URL('natives.json', import.meta.url), 'utf8')) as Record<string, string>;
}

export function loadRuntime(initialPages = 5): Runtime {
  const bytes = readFileSync(new URL('runtime.wasm', import.meta.url));
  const memory = new wasmApi.Memory({ initial: initialPages });
  const printed: string[] = [];
  const readCString = (addr: number): string => {
    const mem = new Uint8Array(memory.buffer);
    let end = addr;
    while (mem[end] !== 0) end++;
    return new TextDecoder().decode(mem.subarray(addr, end));
  };
  const notImplemented = (): number => {
    throw new Error('host builtins are not available in the runtime harness');
  };
  const env = {
    memory,
    opa_abort: (addr: number) => {
      throw new RuntimeAbort(readCString(addr));
    },
    opa_println: (addr: number) => {
      printed.push(readCString(addr));
    },
    opa_builtin0: notImplemented,
    opa_builtin1: notImplemented,
    opa_builtin2: notImplemented,
    opa_builtin3: notImplemented,
    opa_builtin4: notImplemented,
  };
  const module = new wasmApi.Module(bytes);
  const instance = new wasmApi.Instance(module, { env });
  const exports = instance.exports as unknown as Record<string, Fn> & { __heap_base: { value: number } };
  const heapBase = exports.__heap_base.value;
  exports.opa_malloc_init(heapBase);

  const write = (text: string | Uint8Array): [number, number] => {
    const data = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    const addr = exports.opa_malloc(data.length);
    new Uint8Array(memory.buffer).set(data, addr);
    return [addr, data.length];
  };
  const jsonParse = (text: string | Uint8Array): number => exports.opa_json_parse(...write(text));
  const valueParse = (text: string): number => exports.opa_value_parse(...write(text));
  const jsonDump = (addr: number): string => readCString(exports.opa_json_dump(addr));
  const valueDump = (addr: number): string => readCString(exports.opa_value_dump(addr));
  const callNative = (exportName: string, ...args: string[]): string | undefined => {
    const fn = exports[exportName];
    if (typeof fn !== 'function') throw new Error(`runtime.wasm does not export ${exportName}`);
    const addrs = args.map((a) => {
      const v = valueParse(a);
      if (v === 0) throw new Error(`argument is not a Rego value: ${a}`);
      return v;
    });
    const result = fn(...addrs);
    return result === 0 ? undefined : jsonDump(result);
  };
  return {
    exports,
    memory,
    heapBase,
    printed,
    write,
    readCString,
    jsonParse,
    valueParse,
    jsonDump,
    valueDump,
    callNative,
  };
}
