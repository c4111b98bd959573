// Asks the real OPA which builtins its wasm implements inside the module and which it imports from
// the host, and writes the answer next to ours: engine/wasm/runtime/opa-natives.json (the reference
// list, read by tests) and docs/wasm-sdk.md (the table). Run: npx tsx engine/wasm/testing/sdk-reference.ts
//
// Method: one policy calls every builtin of our catalog (deprecated ones in a v0 module, since v1
// refuses them); `opa build -t plan` tells which builtins the plan calls, `opa build -t wasm` gives
// the module whose `builtins()` export lists the host ones. Called and not listed = native in OPA.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTINS, type BuiltinDecl } from '../../builtins/catalog.js';
import { findOpa, runOpa } from '../../reference/opa.js';
import { NUMBER_SHOWCASE } from './number-cases.js';
import { inspectPolicy, SDK_BUILTINS, wasmFromBundle } from './sdk-inspect.js';
import { runOpaWasm, runStock } from './stock-sdk.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Compiler-internal names, operators the planner emits as statements, and names of ours. */
const NOT_CALLS = new Set([
  'eq',
  'assign',
  'print',
  'internal.print',
  'internal.sprintf_json',
  'internal.cover',
]);

function policyCalling(decls: BuiltinDecl[], v0: boolean): string {
  const kw = v0 ? '' : 'if ';
  const rules = decls.map((d, i) => {
    const args = Array.from({ length: d.arity }, (_, k) => `input.a${k}`);
    if (d.relation) return `r${i} ${kw}{ ${d.name}(${[...args, 'x'].join(', ')}); x }`;
    return `r${i} ${kw}{ x := ${d.name}(${args.join(', ')}); x }`;
  });
  return `package p\n\n${rules.join('\n')}\n`;
}

interface Probe {
  called: Set<string>;
  host: Set<string>;
}

async function probe(dir: string, decls: BuiltinDecl[], v0: boolean): Promise<Probe> {
  const name = v0 ? 'v0' : 'v1';
  const rego = join(dir, `${name}.rego`);
  writeFileSync(rego, policyCalling(decls, v0));
  const flags = v0 ? ['--v0-compatible'] : [];
  const build = (target: string, out: string) => {
    const r = runOpa(['build', ...flags, '-t', target, '-e', 'p', '-o', out, rego]);
    if (r.status !== 0) throw new Error(`opa build -t ${target}: ${r.stderr}`);
  };
  build('plan', join(dir, `${name}-plan.tar.gz`));
  build('wasm', join(dir, `${name}-wasm.tar.gz`));
  const planDir = join(dir, `${name}-plan`);
  runOpa(['version']); // keeps the lookup warm; tar below is plain
  const { spawnSync } = await import('node:child_process');
  spawnSync('mkdir', ['-p', planDir]);
  spawnSync('tar', ['-xzf', join(dir, `${name}-plan.tar.gz`), '-C', planDir]);
  const plan = JSON.parse(readFileSync(join(planDir, 'plan.json'), 'utf8')) as {
    static: { builtin_funcs?: { name: string }[] };
  };
  const shape = inspectPolicy(wasmFromBundle(join(dir, `${name}-wasm.tar.gz`)));
  return {
    called: new Set((plan.static.builtin_funcs ?? []).map((b) => b.name)),
    host: new Set(Object.keys(shape.builtins)),
  };
}

function ourStatus(name: string, natives: Record<string, string>): 'native' | 'host' {
  return name in natives ? 'native' : 'host';
}

async function main(): Promise<void> {
  const opa = findOpa();
  if (!opa.path) throw new Error(opa.skip);
  const version = runOpa(['version']).stdout.split('\n')[0].replace('Version: ', '');
  const dir = mkdtempSync(join(tmpdir(), 'sm-sdkref-'));
  try {
    const decls = [...BUILTINS.values()].filter((d) => !NOT_CALLS.has(d.name));
    const v1 = await probe(
      dir,
      decls.filter((d) => !d.deprecated),
      false,
    );
    const v0 = await probe(
      dir,
      decls.filter((d) => d.deprecated),
      true,
    );
    const called = new Set([...v1.called, ...v0.called]);
    const host = new Set([...v1.host, ...v0.host]);
    const reference: Record<string, 'native' | 'host' | 'compiler'> = {};
    for (const d of decls) {
      reference[d.name] = !called.has(d.name) ? 'compiler' : host.has(d.name) ? 'host' : 'native';
    }
    const refPath = join(ROOT, 'engine/wasm/runtime/opa-natives.json');
    writeFileSync(refPath, `${JSON.stringify({ opa: version, builtins: reference }, null, 2)}\n`);
    const natives = JSON.parse(readFileSync(join(ROOT, 'engine/wasm/runtime/natives.json'), 'utf8'));
    const exprs = NUMBER_SHOWCASE.map((e) => `json.marshal(${e})`);
    const [stock, opaWasm] = [await runStock(exprs), await runOpaWasm(exprs)];
    const numbers = NUMBER_SHOWCASE.map((e, i) => {
      const cell = (v: unknown) => (v === undefined ? '(undefined)' : `\`${String(v)}\``);
      const k = `r${i}`;
      return `| \`${e}\` | ${cell(stock.opa[k])} | ${cell(opaWasm[k])} | ${cell(stock.ours[k])} |`;
    });
    writeFileSync(
      join(ROOT, 'docs/wasm-sdk.md'),
      renderDoc(version, reference, natives) + renderNumbers(numbers),
    );
    console.log(`sdk-reference: opa ${version}: ${Object.keys(reference).length} builtins written`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function renderDoc(
  version: string,
  reference: Record<string, 'native' | 'host' | 'compiler'>,
  natives: Record<string, string>,
): string {
  const names = Object.keys(reference).sort();
  const count = (pred: (n: string) => boolean) => names.filter(pred).length;
  const opaNative = (n: string) => reference[n] === 'native';
  const rows = names.map((n) => {
    const ref = reference[n];
    const ours = ref === 'compiler' ? 'compiler' : ourStatus(n, natives);
    let note = '';
    if (ref === 'native' && ours === 'host') note = '**gap**: needs the host where OPA does not';
    else if (ref === 'host' && ours === 'native') note = 'native in ours (no host needed)';
    if (ref === 'host' && SDK_BUILTINS.has(n)) note = `${note ? `${note}; ` : ''}the stock SDK implements it`;
    return `| \`${n}\` | ${ref} | ${ours} | ${note} |`;
  });
  const gaps = count((n) => opaNative(n) && ourStatus(n, natives) === 'host');
  return `# policy.wasm in the stock SDK: native and host builtins

Generated by \`npx tsx engine/wasm/testing/sdk-reference.ts\` from the real OPA ${version}; do not edit.

A \`policy.wasm\` calls a builtin either **natively** (code inside the module, from our C runtime
\`engine/wasm/runtime/\`) or through the **host** (\`opa_builtin0..4\`, named in the module's
\`builtins()\` export). The unmodified \`@open-policy-agent/opa-wasm\` SDK implements only
${[...SDK_BUILTINS].map((n) => `\`${n}\``).join(', ')} on the host; every other host builtin must be
passed as \`customBuiltins\`. The reference column is what OPA's own wasm does, found by building a
policy that calls every builtin with \`opa build -t wasm\` and reading the module's \`builtins()\`
(\`compiler\`: the call never reaches the plan, e.g. \`rego.metadata.*\`).

- OPA native: ${count(opaNative)}, OPA host: ${count((n) => reference[n] === 'host')}, compiled away: ${count((n) => reference[n] === 'compiler')}.
- Ours native: ${count((n) => reference[n] !== 'compiler' && ourStatus(n, natives) === 'native')}; native in OPA but host in ours (gaps): ${gaps}.

Host builtins keep OPA's names, so a policy built by \`semamesh build -t wasm\` needs from the stock
SDK exactly what OPA's own module would (the engine passes its Go-semantics TypeScript versions as
\`customBuiltins\`; for the names the SDK implements itself, the SDK's version wins, as it does for
OPA's modules). The instruction budget of metered modules (our engine's default) lives wholly in the
module (\`engine/wasm/fuel.ts\`): it adds no import and no \`builtins()\` entry, and stays unlimited
unless a host sets it, so OPA's wasm engine and the stock SDK run our modules as they run OPA's.

Where OPA's wasm needs the host we go further in three places: \`sprintf\` (Go's fmt in C; the stock
SDK's own answer is sprintf-js), \`regex.split\`/\`regex.find_n\`/\`regex.replace\`/\`regex.template_match\`
(the runtime's linear-time RE2 engine) and \`glob.quote_meta\`. Not done: \`internal.template_string\`
(our parser has no \`$"..."\` template strings yet, so no policy of ours calls it).

**Entrypoints.** A build with \`-e a/b\` compiles only the rules and functions \`a/b\` reaches, like
\`opa build --prune-unused\`; runtime functions nothing calls keep their index with a 3-byte trap
body (\`engine/wasm/binary/prune.ts\`). Without \`--prune-unused\`, \`opa build\` also adds every rule
that depends on an entrypoint as a further entrypoint (\`deny if not allow\` becomes \`s/deny\`); we
do not.

| builtin | OPA wasm | ours | note |
| --- | --- | --- | --- |
${rows.join('\n')}
`;
}

function renderNumbers(rows: string[]): string {
  return `
## Numbers

\`opa eval\` computes with Go's math/big: integers exactly; anything else as a \`big.Float\` with a
64-bit mantissa (rounding half to even), printed as the shortest decimal that reads back to the same
64-bit value, integral results without exponent (\`sum\` likewise; \`product\` rounds to 53 bits at
each step). OPA's own wasm uses decimal arithmetic (libmpdec, 18 digits after a division) and
differs from its CLI. \`semamesh eval\` and our \`policy.wasm\` follow the CLI
(\`engine/wasm/runtime/src/bigfloat.c\`); \`engine/wasm/stock-sdk.test.ts\` checks ${'3,000+'} expressions
against \`opa eval\` value for value. Shown as \`json.marshal\` of the result (every digit; our numbers
are canonical, so \`1e3\` prints as \`1000\`):

| expression | opa eval | OPA's wasm | ours |
| --- | --- | --- | --- |
${rows.join('\n')}
`;
}

await main();
