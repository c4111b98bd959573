// Test helpers around the generated modules: wabt's tools (wat2wasm, wasm2wat, wasm-validate), golden
// files in fixtures/, and loading a module into the real @open-policy-agent/opa-wasm SDK.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as opaModule from '@open-policy-agent/opa-wasm';

interface WasmGlobal {
  validate(bytes: Uint8Array): boolean;
}

/** The engine's WebAssembly API (the project's TS lib settings do not declare the global). */
export const webAssembly = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

function withTemp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'sm-wasm-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
}

/** wabt's wasm-validate verdict: undefined when valid, else its error text. */
export function wabtValidate(bytes: Uint8Array): string | undefined {
  return withTemp((dir) => {
    const file = join(dir, 'm.wasm');
    writeFileSync(file, bytes);
    const r = run('wasm-validate', [file]);
    return r.ok ? undefined : r.stderr || r.stdout;
  });
}

export function wasmToWat(bytes: Uint8Array): string {
  return withTemp((dir) => {
    const file = join(dir, 'm.wasm');
    writeFileSync(file, bytes);
    const r = run('wasm2wat', [file]);
    if (!r.ok) throw new Error(`wasm2wat failed: ${r.stderr}`);
    return r.stdout;
  });
}

export function watToWasm(watPath: string): Uint8Array {
  return withTemp((dir) => {
    const out = join(dir, 'm.wasm');
    const r = run('wat2wasm', ['--debug-names', watPath, '-o', out]);
    if (!r.ok) throw new Error(`wat2wasm failed: ${r.stderr}`);
    return new Uint8Array(readFileSync(out));
  });
}

export interface Policy {
  evaluate(input: ArrayBuffer | undefined, entrypoint?: number | string): unknown;
  setData(data: object): void;
  entrypoints: Record<string, number>;
}

type Builtin = (...args: unknown[]) => unknown;
interface Sdk {
  loadPolicy(wasm: Uint8Array, mem?: unknown, builtins?: Record<string, Builtin>): Promise<Policy>;
}
// The package's ESM entry has a default export `{loadPolicy}` that its type declarations omit.
const sdk = ((opaModule as unknown as { default?: Sdk }).default ?? opaModule) as unknown as Sdk;

/** Loads a module into the real SDK after checking it with both WebAssembly.validate and wabt. */
export async function loadPolicy(wasm: Uint8Array, builtins?: Record<string, Builtin>): Promise<Policy> {
  if (!webAssembly.validate(wasm)) throw new Error('WebAssembly.validate rejected the module');
  const wabt = wabtValidate(wasm);
  if (wabt !== undefined) throw new Error(`wasm-validate rejected the module: ${wabt}`);
  return sdk.loadPolicy(wasm, undefined, builtins);
}

/** Input as an ArrayBuffer of JSON text, so falsy inputs reach the policy. */
export function jsonInput(value: unknown): ArrayBuffer {
  return new TextEncoder().encode(JSON.stringify(value)).buffer as ArrayBuffer;
}

const fixtures = new URL('../fixtures/', import.meta.url);

/** Compares with fixtures/<name>; SM_UPDATE_GOLDEN=1 writes it instead. */
export function assertGolden(name: string, actual: string): void {
  const file = new URL(name, fixtures);
  if (process.env.SM_UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.ok(existsSync(file), `golden ${name} is missing (SM_UPDATE_GOLDEN=1 to create it)`);
  assert.equal(actual, readFileSync(file, 'utf8'), `golden ${name} differs (SM_UPDATE_GOLDEN=1 to accept)`);
}

export function fixturePath(name: string): string {
  return new URL(name, fixtures).pathname;
}
