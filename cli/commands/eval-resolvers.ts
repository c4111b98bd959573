// `eval -b` of a bundle from `opa build -t wasm` / `semamesh build`: the entrypoint rules (and their
// dependents) live only in the bundle's policy.wasm, so, as opa's wasm resolvers do, each manifest
// entrypoint is evaluated by that module with the input and data and its value is placed in data at
// the entrypoint's path, where the query and the remaining .rego read it.
import type { WasmResolverModule } from './bundle-input.js';

type LoadPolicy = (wasm: Uint8Array) => Promise<{
  setData(data: unknown): void;
  evaluate(input: unknown, entrypoint?: string): Record<string, unknown>[];
}>;

/** Rego comments and strings removed, so a `with` in either does not count. */
const code = (source: string) => source.replace(/"(?:[^"\\\n]|\\.)*"|`[^`]*`|#[^\n]*/g, ' ');

/**
 * The values are computed once, before the query runs: a `with` in the query could change what an
 * entrypoint sees (opa re-runs the wasm under it), so it is refused rather than answered from values
 * computed without it. The bundle's remaining Rego cannot reach an entrypoint: every rule that
 * refers to one was moved into the wasm with it.
 */
export async function resolveEntrypoints(
  resolvers: WasmResolverModule[],
  query: string,
  input: unknown,
  data: Record<string, unknown>,
  loadPolicy: LoadPolicy,
): Promise<void> {
  if (resolvers.length === 0) return;
  const names = resolvers.flatMap((r) => r.entrypoints);
  if (/\bwith\b/.test(code(query)))
    throw new Error(
      `\`with\` in the query cannot reach rules compiled into the bundle's policy.wasm (${names.join(', ')}); ` +
        'evaluate the policy sources with -d instead',
    );
  const values: [string[], unknown][] = [];
  for (const r of resolvers) {
    const policy = await loadPolicy(r.wasm);
    policy.setData(data);
    for (const entrypoint of r.entrypoints) {
      const rows = policy.evaluate(input, entrypoint);
      if (rows.length > 0) values.push([entrypoint.split('/'), rows[0]?.result]);
    }
  }
  for (const [path, value] of values) {
    let node = data;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      node[key] = typeof next === 'object' && next !== null && !Array.isArray(next) ? next : {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = value;
  }
}
