// Reads what a policy.wasm asks of its host: the `builtins()` and `entrypoints()` maps (by running
// those exports with inert imports) and the env imports. Used to compare our modules with OPA's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wasmApi } from '../runtime/runtime-harness.js';

export interface PolicyShape {
  /** Host builtins the module names in `builtins()`: name → id. */
  builtins: Record<string, number>;
  entrypoints: Record<string, number>;
  /** `env` function imports (memory excluded). */
  imports: string[];
  functions: number;
  exports: number;
  bytes: number;
}

/** Builtins that the stock @open-policy-agent/opa-wasm SDK implements itself (src/builtins/*.js). */
export const SDK_BUILTINS: ReadonlySet<string> = new Set([
  'json.is_valid',
  'sprintf',
  'regex.split',
  'yaml.is_valid',
  'yaml.marshal',
  'yaml.unmarshal',
]);

export function inspectPolicy(bytes: Uint8Array): PolicyShape {
  const mod = new wasmApi.Module(bytes);
  const memory = new wasmApi.Memory({ initial: 16 });
  const fail = () => {
    throw new Error('inspectPolicy: the module called its host');
  };
  const env: Record<string, unknown> = { memory };
  const imports = wasmApi.Module.imports(mod).filter((i) => i.kind === 'function');
  for (const imp of imports) env[imp.name] = fail;
  const ex = new wasmApi.Instance(mod, { env }).exports as Record<string, (...a: number[]) => number>;
  const dump = (addr: number): unknown => {
    const p = ex.opa_json_dump(addr);
    const mem = new Uint8Array(memory.buffer);
    let end = p;
    while (mem[end] !== 0) end++;
    return JSON.parse(new TextDecoder().decode(mem.subarray(p, end)));
  };
  return {
    builtins: dump(ex.builtins()) as Record<string, number>,
    entrypoints: dump(ex.entrypoints()) as Record<string, number>,
    imports: imports.map((i) => i.name),
    functions: countFunctions(bytes),
    exports: wasmApi.Module.exports(mod).length,
    bytes: bytes.length,
  };
}

/** Functions defined by the module (the code section's count). */
function countFunctions(bytes: Uint8Array): number {
  let pos = 8;
  const u32 = (): number => {
    let r = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++];
      r |= (b & 0x7f) << shift;
      if (!(b & 0x80)) return r >>> 0;
      shift += 7;
    }
  };
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = u32();
    if (id === 10) return u32();
    pos += size;
  }
  return 0;
}

/** policy.wasm out of a `.tar.gz` bundle (entries may start with `/`). */
export function wasmFromBundle(tarball: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'sm-bundle-'));
  try {
    const r = spawnSync('tar', ['-xzf', tarball, '-C', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
    return new Uint8Array(readFileSync(join(dir, 'policy.wasm')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
