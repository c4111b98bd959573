// Finds and reads the shipped Rego library (`policies/`, tests excluded) that every bundle carries.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceFile } from '../compiler.js';

let cached: SourceFile[] | undefined;

/** The package root: the nearest ancestor holding `policies/semamesh/decision.rego` (works from source and dist/). */
function libraryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'policies', 'semamesh', 'decision.rego'))) return join(dir, 'policies');
    const up = dirname(dir);
    if (up === dir) throw new Error('the SemaMesh Rego library (policies/) was not found next to the engine');
    dir = up;
  }
}

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.rego') && !name.endsWith('_test.rego')) out.push(path);
  }
  return out;
}

/** The library's modules, named `policies/<path>` as they appear in bundles. Read once per process. */
export function libraryModules(): SourceFile[] {
  if (!cached) {
    const root = libraryRoot();
    cached = walk(root, []).map((path) => ({
      file: `policies/${relative(root, path)}`,
      source: readFileSync(path, 'utf8'),
    }));
  }
  return cached;
}
