// Formats the operands of a Rego `print()` call the way `opa test` shows them: operands separated by
// spaces, strings bare, other values as Rego terms, an undefined operand as `<undefined>`.

/** A value as a Rego term (`{"a": [1, 2]}`): JSON with `, ` and `: ` separators. */
export function regoTerm(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(regoTerm).join(', ')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${JSON.stringify(k)}: ${regoTerm(x)}`)
      .join(', ')}}`;
  return JSON.stringify(v) ?? 'null';
}

/**
 * The compiler turns `print(a, b)` into `print([{values of a}, {values of b}])`; the SDK hands sets
 * over as arrays, so a set operand's own elements arrive here as an array too.
 */
export function formatPrintOperands(operands: unknown): string {
  const list = Array.isArray(operands) ? operands : [operands];
  return list
    .map((values) => {
      const vs = Array.isArray(values) ? values : [values];
      if (vs.length === 0) return '<undefined>';
      return vs.map((v) => (typeof v === 'string' ? v : regoTerm(v))).join(' ');
    })
    .join(' ');
}
