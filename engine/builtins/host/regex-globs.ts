// `regex.globs_match`: whether two "globs" (the regex subset of literals, `.`, `[...]` classes and
// the `*`, `+`, `?` quantifiers) can match a common string, decided on the product of their
// automata in time proportional to the product of their lengths.

type Range = [number, number];
interface CharSet {
  negated: boolean;
  ranges: Range[];
}
interface Token {
  set: CharSet;
  star: boolean;
  optional: boolean;
}

const MAX_RUNE = 0x10ffff;

function invalid(input: string, pos: number, what: string): never {
  throw new Error(`input:${input}, pos:${pos}, ${what}: the input provided is invalid`);
}

function parseClass(runes: string[], start: number, input: string): [CharSet, number] {
  let i = start;
  const set: CharSet = { negated: false, ranges: [] };
  if (runes[i] === '^') {
    set.negated = true;
    i++;
  }
  const readChar = (): number => {
    if (runes[i] === '\\') i++;
    const r = runes[i++];
    if (r === undefined) invalid(input, i, "set-open '[' with no closing ']'");
    return r.codePointAt(0) as number;
  };
  while (runes[i] !== ']') {
    if (i >= runes.length) invalid(input, i, "set-open '[' with no closing ']'");
    const lo = readChar();
    let hi = lo;
    if (runes[i] === '-' && runes[i + 1] !== ']' && i + 1 < runes.length) {
      i++;
      hi = readChar();
    }
    set.ranges.push([Math.min(lo, hi), Math.max(lo, hi)]);
  }
  return [set, i + 1];
}

function parseGlob(input: string): Token[] {
  const runes = [...input];
  const tokens: Token[] = [];
  let i = 0;
  while (i < runes.length) {
    const r = runes[i];
    let set: CharSet;
    if (r === '.') {
      set = { negated: true, ranges: [] };
      i++;
    } else if (r === '[') {
      [set, i] = parseClass(runes, i + 1, input);
    } else if (r === ']') {
      invalid(input, i + 1, "set-close ']' with no preceding '['");
    } else if (r === '*' || r === '+' || r === '?') {
      invalid(input, i + 1, `quantifier '${r}' with nothing to repeat`);
    } else {
      if (r === '\\') i++;
      const c = runes[i++];
      if (c === undefined) invalid(input, i, 'trailing backslash');
      const cp = c.codePointAt(0) as number;
      set = { negated: false, ranges: [[cp, cp]] };
    }
    const q = runes[i];
    if (q === '*' || q === '?') {
      tokens.push({ set, star: q === '*', optional: q === '?' });
      i++;
    } else if (q === '+') {
      tokens.push({ set, star: false, optional: false }, { set, star: true, optional: false });
      i++;
    } else {
      tokens.push({ set, star: false, optional: false });
    }
  }
  return tokens;
}

/** The set as sorted, disjoint positive ranges. */
function positive(set: CharSet): Range[] {
  const sorted = [...set.ranges].sort((a, b) => a[0] - b[0]);
  const merged: Range[] = [];
  for (const [lo, hi] of sorted) {
    const last = merged[merged.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else merged.push([lo, hi]);
  }
  if (!set.negated) return merged;
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of merged) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_RUNE) out.push([next, MAX_RUNE]);
  return out;
}

function intersects(a: CharSet, b: CharSet): boolean {
  const x = positive(a);
  const y = positive(b);
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (x[i][1] < y[j][0]) i++;
    else if (y[j][1] < x[i][0]) j++;
    else return true;
  }
  return false;
}

export function globsMatch(a: string, b: string): boolean {
  const ta = parseGlob(a);
  const tb = parseGlob(b);
  const width = tb.length + 1;
  const seen = new Uint8Array((ta.length + 1) * width);
  const stack: number[] = [0];
  seen[0] = 1;
  const push = (i: number, j: number) => {
    const k = i * width + j;
    if (!seen[k]) {
      seen[k] = 1;
      stack.push(k);
    }
  };
  while (stack.length > 0) {
    const k = stack.pop() as number;
    const i = Math.floor(k / width);
    const j = k % width;
    if (i === ta.length && j === tb.length) return true;
    const x = ta[i];
    const y = tb[j];
    if (x && (x.star || x.optional)) push(i + 1, j);
    if (y && (y.star || y.optional)) push(i, j + 1);
    if (x && y && intersects(x.set, y.set)) push(x.star ? i : i + 1, y.star ? j : j + 1);
  }
  return false;
}
