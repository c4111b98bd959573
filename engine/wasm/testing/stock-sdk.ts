// Differential harness: each case is a Rego expression; all cases become rules of one module, which
// runs (a) compiled by us, in the unmodified @open-policy-agent/opa-wasm SDK with no custom builtins,
// and (b) in the real `opa eval`. Undefined rules (e.g. an invalid pattern) are absent on both sides.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile } from '../../compiler.js';
import { runOpa } from '../../reference/opa.js';
import { inspectPolicy, SDK_BUILTINS, wasmFromBundle } from './sdk-inspect.js';

export interface StockRun {
  /** rule name → value (absent when undefined). */
  ours: Record<string, unknown>;
  opa: Record<string, unknown>;
  /** Host builtins the module names that the stock SDK does not implement (must be empty). */
  missing: string[];
  wasmBytes: number;
}

/** `r0 := <expr0>` ... for the expressions; entrypoint `stock`, evaluated with `input`. */
export function moduleOf(exprs: readonly string[]): string {
  return `package stock\n\n${exprs.map((e, i) => `r${i} := ${e}`).join('\n')}\n`;
}

export async function runStock(exprs: readonly string[], input: unknown = {}): Promise<StockRun> {
  const source = moduleOf(exprs);
  const result = compile({ modules: [{ file: 'stock.rego', source }], entrypoints: ['stock'] });
  if (!result.wasm)
    throw new Error(`compile failed: ${JSON.stringify(result.diagnostics ?? result.internalError)}`);
  const shape = inspectPolicy(result.wasm);
  const missing = Object.keys(shape.builtins).filter((n) => !SDK_BUILTINS.has(n));
  const policy = await loadPolicy(result.wasm, undefined, {});
  const rows = policy.evaluate(input, 'stock') as { result: Record<string, unknown> }[];
  const ours = rows[0]?.result ?? {};

  const dir = mkdtempSync(join(tmpdir(), 'sm-stock-'));
  try {
    writeFileSync(join(dir, 'stock.rego'), source);
    writeFileSync(join(dir, 'input.json'), JSON.stringify(input));
    const r = runOpa([
      'eval',
      '-f',
      'json',
      '-d',
      join(dir, 'stock.rego'),
      '-i',
      join(dir, 'input.json'),
      'data.stock',
    ]);
    if (r.status !== 0) throw new Error(`opa eval: ${r.stderr}${r.stdout}`);
    const out = JSON.parse(r.stdout) as { result?: { expressions: { value: Record<string, unknown> }[] }[] };
    const opa = out.result?.[0]?.expressions[0]?.value ?? {};
    return { ours, opa, missing, wasmBytes: result.wasm.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same rules compiled by the real `opa build -t wasm` and run in the stock SDK (OPA's own wasm). */
export async function runOpaWasm(
  exprs: readonly string[],
  input: unknown = {},
): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'sm-opawasm-'));
  try {
    writeFileSync(join(dir, 'stock.rego'), moduleOf(exprs));
    const out = join(dir, 'bundle.tar.gz');
    const r = runOpa(['build', '-t', 'wasm', '-e', 'stock', '-o', out, join(dir, 'stock.rego')]);
    if (r.status !== 0) throw new Error(`opa build: ${r.stderr}`);
    const policy = await loadPolicy(wasmFromBundle(out));
    const rows = policy.evaluate(input, 'stock') as { result: Record<string, unknown> }[];
    return rows[0]?.result ?? {};
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
