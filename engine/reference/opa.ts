// Locates the real `opa` (the reference our compiler is differentially tested against) and runs it.
// Tests skip with a printed reason where it is absent, except under CI=true, where absence is an error.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The pinned opa release (one source of truth, shared with scripts/ensure-opa.sh). */
export function pinnedOpaVersion(): string {
  return (
    process.env.SEMAMESH_OPA_VERSION ?? readFileSync(join(REPO_ROOT, 'scripts/opa-version'), 'utf8').trim()
  );
}

/**
 * Where scripts/ensure-opa.sh puts the pinned binary; `--wasm` builds one with OPA's WebAssembly
 * engine (build tag opa_wasm, as in opa's release binaries), which bundles holding policy.wasm need.
 */
export function cachedOpaPath(version = pinnedOpaVersion(), wasm = false): string {
  return join(
    process.env.SEMAMESH_CACHE ?? '/var/cache/semamesh',
    'opa',
    `${version}${wasm ? '-wasm' : ''}`,
    'opa',
  );
}

export type OpaLookup = { path: string; skip?: undefined } | { path?: undefined; skip: string };

let cached: OpaLookup | undefined;
let cachedWasm: OpaLookup | undefined;

/**
 * The real opa: `SEMAMESH_OPA` (a path) if set, else the version-keyed cache. When it is missing,
 * returns a skip reason, or throws under CI=true (CI builds it with scripts/ensure-opa.sh).
 */
export function findOpa(): OpaLookup {
  if (cached) return cached;
  const path = process.env.SEMAMESH_OPA ?? cachedOpaPath();
  if (existsSync(path)) {
    cached = { path };
    return cached;
  }
  const reason = `the real opa is not at ${path} (run: bash scripts/ensure-opa.sh, or set SEMAMESH_OPA)`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  console.log(`# skipping differential tests: ${reason}`);
  cached = { skip: reason };
  return cached;
}

/**
 * The real opa with its wasm engine (`opa eval -b`/`opa run` of a bundle with policy.wasm run it):
 * `SEMAMESH_OPA_WASM` or the cache of `scripts/ensure-opa.sh --wasm`; skip or CI error as findOpa.
 */
export function findWasmOpa(): OpaLookup {
  if (cachedWasm) return cachedWasm;
  const path = process.env.SEMAMESH_OPA_WASM ?? cachedOpaPath(pinnedOpaVersion(), true);
  if (existsSync(path)) {
    cachedWasm = { path };
    return cachedWasm;
  }
  const reason = `the real opa with wasm is not at ${path} (run: bash scripts/ensure-opa.sh --wasm, or set SEMAMESH_OPA_WASM)`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  console.log(`# skipping interoperability tests: ${reason}`);
  cachedWasm = { skip: reason };
  return cachedWasm;
}

export interface OpaRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs opa with arguments (synchronously; tests run it a bounded number of times). */
export function runOpa(
  args: string[],
  options: { cwd?: string; input?: string; timeoutMs?: number; wasm?: boolean } = {},
): OpaRun {
  const opa = options.wasm ? findWasmOpa() : findOpa();
  if (!opa.path) throw new Error(opa.skip);
  const r = spawnSync(opa.path, args, {
    cwd: options.cwd,
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A builtin call for opaEvalCalls: the builtin's name, then its arguments (JSON values). */
export type BuiltinCall = [name: string, ...args: unknown[]];

/**
 * What the real opa makes of each call, all in one `opa eval` (one module, one rule per call): the
 * values in the calls' order, undefined where the builtin errs (OPA's non-strict evaluation then
 * leaves the rule undefined). Throws when opa rejects the module itself.
 */
export function opaEvalCalls(calls: readonly BuiltinCall[]): unknown[] {
  const dir = mkdtempSync(join(tmpdir(), 'semamesh-opa-calls-'));
  try {
    const rules = calls.map(
      ([name, ...args], i) => `r${i} := ${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`,
    );
    writeFileSync(join(dir, 'calls.rego'), `package calls\n\n${rules.join('\n')}\n`);
    const r = runOpa(['eval', '-f', 'json', '-d', join(dir, 'calls.rego'), 'data.calls']);
    if (r.status !== 0) throw new Error(`opa eval exited ${r.status}: ${r.stderr || r.stdout}`);
    const values = JSON.parse(r.stdout).result[0].expressions[0].value as Record<string, unknown>;
    return calls.map((_, i) => values[`r${i}`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
