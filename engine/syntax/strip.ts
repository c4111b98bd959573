// Removes source locations from AST values, so trees parsed from different texts can be compared.

/** A deep copy of `x` without `loc` fields (and without `comments`, which printing does not keep). */
export function stripLocations<T>(x: T): T {
  return strip(x) as T;
}

function strip(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(strip);
  if (x === null || typeof x !== 'object') return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) {
    if (k === 'loc' || k === 'comments' || v === undefined) continue;
    out[k] = strip(v);
  }
  return out;
}
