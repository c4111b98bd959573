// A bundle's manifest `roots` claim the parts of `data` it owns: every data path and every
// package of the bundle must lie under one of them, as OPA checks when it loads or builds a bundle.
import { manifestInvalid } from '../errors.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const under = (path: string, root: string) => root === '' || path === root || path.startsWith(`${root}/`);

/** The package of a module as a `/`-path (`package a.b` → `a/b`), from its first package clause. */
export function packagePath(source: string): string | undefined {
  const m = /^\s*package\s+([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*|\["[^"]*"\])*)/m.exec(
    source.replace(/#.*$/gm, ''),
  );
  return m?.[1].replace(/\["([^"]*)"\]/g, '.$1').replace(/\./g, '/');
}

/**
 * Throws SM_ERR_BUNDLE_MANIFEST_INVALID (with OPA's wording) when data or a module lies outside
 * the roots. Data is walked only as deep as needed: a key that is itself under a root is fine, a key
 * on the way to a root is descended into, any other key is outside.
 */
export function checkRoots(
  roots: string[],
  data: Record<string, unknown>,
  modules: { file: string; source: string }[],
): void {
  const shown = `[${roots.join(' ')}]`;
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(node)) {
      const path = prefix ? `${prefix}/${k}` : k;
      if (roots.some((r) => under(path, r))) continue;
      if (isRecord(v) && roots.some((r) => r.startsWith(`${path}/`))) walk(v, path);
      else throw manifestInvalid(`manifest roots ${shown} do not permit data at path '/${path}'`);
    }
  };
  walk(data, '');
  for (const m of modules) {
    const pkg = packagePath(m.source);
    if (pkg !== undefined && !roots.some((r) => under(pkg, r)))
      throw manifestInvalid(
        `manifest roots ${shown} do not permit 'package ${pkg.replace(/\//g, '.')}' in module '${m.file}'`,
      );
  }
}
