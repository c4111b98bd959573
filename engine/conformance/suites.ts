// The named conformance suites: `shared` (the suite beside the checkout, the CI gate), `opa-v1` (all
// v1 cases of the pinned opa release) and `opa-wasm` (opa's wasm-only suite). The OPA suites come
// from the pinned opa's module source, which `go install` / `go mod download` put in the module cache.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ConformanceCase, loadCases, loadWasmCases } from './cases.js';
import { findConformanceCases } from './suite-dir.js';

export const SUITES = ['shared', 'opa-v1', 'opa-wasm'] as const;
export type SuiteName = (typeof SUITES)[number];

/**
 * How a suite's expectations are judged, as the OPA runner written for it does: `topdown`
 * (topdown/exported_test.go), `wasm-e2e` (internal/wasm/sdk/test/e2e: strict errors → empty result)
 * and `wasm-js` (test/wasm/assets/test.js: want_defined, want_result, want_error as message text).
 */
export type Runner = 'topdown' | 'wasm-e2e' | 'wasm-js';

export interface Suite {
  name: SuiteName;
  dir: string;
  /** Module file names are `<prefix><i>.rego`, as OPA's runner for the suite names them (errors quote them). */
  modulePrefix: string;
  /** How our (wasm) results are judged. */
  ourRunner: Runner;
  /** How the real opa runs the suite: its default engine (topdown) or `-t wasm`. */
  opaTarget: 'rego' | 'wasm';
  exceptionsPath: string;
  load: () => ConformanceCase[];
}

const HERE = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const REPO_ROOT = HERE('../../');

export function pinnedOpaVersion(): string {
  return (
    process.env.SEMAMESH_OPA_VERSION ?? readFileSync(join(REPO_ROOT, 'scripts/opa-version'), 'utf8')
  ).trim();
}

/**
 * The pinned opa's module source: `$GOMODCACHE/github.com/open-policy-agent/opa@<version>` when
 * present (ensure-opa.sh put it there), else fetched with `go mod download` (through the proxy).
 */
export function opaSourceDir(version = pinnedOpaVersion()): string {
  const env = process.env.SEMAMESH_OPA_SOURCE;
  if (env) return env;
  const go = (args: string[]) =>
    execFileSync('go', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  let cache: string;
  try {
    cache = go(['env', 'GOMODCACHE']).trim();
  } catch (err) {
    throw new Error(`the OPA suites need Go to locate opa ${version}'s source: ${(err as Error).message}`);
  }
  const dir = join(cache, `github.com/open-policy-agent/opa@${version}`);
  if (existsSync(join(dir, 'v1/test'))) return dir;
  const out = go(['mod', 'download', '-json', `github.com/open-policy-agent/opa@${version}`]);
  return (JSON.parse(out) as { Dir: string }).Dir;
}

export function getSuite(name: string, sharedDir?: string): Suite {
  switch (name) {
    case 'shared': {
      const dir = sharedDir ?? findConformanceCases() ?? '';
      return {
        name,
        dir,
        modulePrefix: 'module-',
        ourRunner: 'wasm-e2e',
        opaTarget: 'rego',
        exceptionsPath: HERE('./exceptions.yaml'),
        load: () => loadCases(dir),
      };
    }
    case 'opa-v1': {
      const dir = sharedDir ?? join(opaSourceDir(), 'v1/test/cases/testdata/v1');
      return {
        name,
        dir,
        modulePrefix: 'test-',
        ourRunner: 'wasm-e2e',
        opaTarget: 'rego',
        exceptionsPath: HERE('./exceptions-opa-v1.yaml'),
        load: () => loadCases(dir),
      };
    }
    case 'opa-wasm': {
      const dir = sharedDir ?? join(opaSourceDir(), 'v1/test/wasm/assets');
      return {
        name,
        dir,
        modulePrefix: 'module',
        ourRunner: 'wasm-js',
        opaTarget: 'wasm',
        exceptionsPath: HERE('./exceptions-opa-wasm.yaml'),
        load: () => loadWasmCases(dir),
      };
    }
    default:
      throw new Error(`unknown suite ${JSON.stringify(name)}: one of ${SUITES.join(', ')}`);
  }
}
