// `sprintf` with Go's fmt semantics, fed the way OPA feeds it: integers as int, other numbers as
// float64, strings as string, every other value as its Rego text (so `%v` of an array prints
// `["a", 1]`). Covers flags, width, precision, the common verbs and Go's `%!v(...)` error forms.
import { arr, type Json, str } from './args.js';
import { goQuote, regoText } from './values.js';

type GoArg = { kind: 'int'; v: bigint } | { kind: 'float64'; v: number } | { kind: 'string'; v: string };

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  prec?: number;
}

/** How OPA's topdown converts each sprintf operand to a Go value. */
function toGoArg(v: Json | bigint): GoArg {
  if (typeof v === 'bigint') return { kind: 'int', v };
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) < 1e21) return { kind: 'int', v: BigInt(v) };
    return { kind: 'float64', v };
  }
  if (typeof v === 'string') return { kind: 'string', v };
  return { kind: 'string', v: regoText(v) };
}

function pad(s: string, spec: Spec, zeroOk: boolean): string {
  const width = spec.width ?? 0;
  const len = [...s].length;
  if (len >= width) return s;
  const fill = width - len;
  if (spec.minus) return s + ' '.repeat(fill);
  if (spec.zero && zeroOk) {
    const sign = /^[+\- ]/.test(s) ? s[0] : '';
    const rest = s.slice(sign.length);
    const prefix = /^0[xXbo]/.test(rest) && spec.sharp ? rest.slice(0, 2) : '';
    return sign + prefix + '0'.repeat(fill) + rest.slice(prefix.length);
  }
  return ' '.repeat(fill) + s;
}

function signed(body: string, negative: boolean, spec: Spec): string {
  if (negative) return `-${body}`;
  if (spec.plus) return `+${body}`;
  if (spec.space) return ` ${body}`;
  return body;
}

function formatInt(v: bigint, verb: string, spec: Spec): string | undefined {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  let body: string;
  switch (verb) {
    case 'v':
    case 'd':
      body = abs.toString(10);
      break;
    case 'b':
      body = abs.toString(2);
      break;
    case 'o':
    case 'O':
      body = abs.toString(8);
      if (verb === 'O') body = `0o${body}`;
      else if (spec.sharp) body = `0${body}`;
      break;
    case 'x':
      body = (spec.sharp ? '0x' : '') + abs.toString(16);
      break;
    case 'X':
      body = (spec.sharp ? '0X' : '') + abs.toString(16).toUpperCase();
      break;
    case 'c':
      return pad(String.fromCodePoint(Number(v)), spec, false);
    case 'q':
      return pad(
        `'${goQuote(String.fromCodePoint(Number(v)))
          .slice(1, -1)
          .replace(/\\"/g, '"')}'`,
        spec,
        false,
      );
    case 'U':
      return pad(`U+${abs.toString(16).toUpperCase().padStart(4, '0')}`, spec, false);
    default:
      return undefined;
  }
  if (spec.prec !== undefined) {
    const prefix = /^0[xXo]/.test(body) ? body.slice(0, 2) : '';
    body = prefix + body.slice(prefix.length).padStart(spec.prec, '0');
    if (spec.prec === 0 && v === 0n) body = '';
  }
  // Go ignores the 0 flag when a precision is given for integers.
  return pad(signed(body, neg, spec), spec.prec === undefined ? spec : { ...spec, zero: false }, true);
}

/**
 * `abs.toFixed(prec)` with Go's rounding: JS rounds exact ties away from zero, Go (correctly
 * rounded strconv) to even — 2.25 → "2.2". toFixed(100) is the exact expansion of most doubles.
 */
function fixedGo(abs: number, prec: number): string {
  const plain = abs.toFixed(prec);
  if (prec >= 100 || abs >= 1e21) return plain;
  const exact = abs.toFixed(Math.min(100, prec + 60));
  const cut = exact.indexOf('.') + (prec === 0 ? 0 : prec + 1);
  const rest = exact.slice(prec === 0 ? exact.indexOf('.') + 1 : cut);
  if (!/^50*$/.test(rest)) return plain;
  const kept = prec === 0 ? exact.slice(0, exact.indexOf('.')) : exact.slice(0, cut);
  const lastDigit = Number(kept[kept.length - 1]);
  return lastDigit % 2 === 0 ? kept : plain;
}

/** Exponent with at least two digits, as Go writes it (`1e+06`). */
function goExp(s: string): string {
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Go's %g: `prec` significant digits (shortest when undefined), %e form for large/small exponents. */
function formatG(abs: number, prec: number | undefined, upper: boolean): string {
  if (abs === 0) return '0';
  const p = prec === undefined ? undefined : Math.max(prec, 1);
  const expForm = p === undefined ? abs.toExponential() : abs.toExponential(p - 1);
  const [mant, expText] = expForm.split('e');
  const exp = Number(expText);
  const digits = mant.replace('.', '').replace(/0+$/, '') || '0';
  let eprec = p ?? 6;
  if (p !== undefined && eprec > digits.length && digits.length >= exp + 1) eprec = digits.length;
  let out: string;
  if (exp < -4 || exp >= eprec) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    out = goExp(`${m}e${exp < 0 ? '-' : '+'}${Math.abs(exp)}`);
  } else {
    const fixed = abs.toFixed(Math.max(0, digits.length - exp - 1));
    out = fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
  }
  return upper ? out.toUpperCase() : out;
}

function formatFloat(v: number, verb: string, spec: Spec): string | undefined {
  if (!Number.isFinite(v)) {
    const body = Number.isNaN(v) ? 'NaN' : 'Inf';
    return pad(signed(body, v < 0, spec), spec, false);
  }
  const neg = v < 0 || Object.is(v, -0);
  const abs = Math.abs(v);
  let body: string;
  switch (verb) {
    case 'v':
    case 'g':
    case 'G':
      body = formatG(abs, spec.prec, verb === 'G');
      break;
    case 'e':
    case 'E':
      body = goExp(abs.toExponential(spec.prec ?? 6));
      if (verb === 'E') body = body.toUpperCase();
      break;
    case 'f':
    case 'F':
      body = fixedGo(abs, spec.prec ?? 6);
      break;
    default:
      return undefined;
  }
  return pad(signed(body, neg, spec), spec, true);
}

function formatString(v: string, verb: string, spec: Spec): string | undefined {
  const cut = (s: string): string => (spec.prec === undefined ? s : [...s].slice(0, spec.prec).join(''));
  switch (verb) {
    case 'v':
    case 's':
      return pad(cut(v), spec, true);
    case 'q':
      return pad(spec.sharp && !v.includes('`') ? `\`${v}\`` : goQuote(cut(v)), spec, true);
    case 'x':
    case 'X': {
      let hex = Buffer.from(cut(v), 'utf8').toString('hex');
      if (verb === 'X') hex = hex.toUpperCase();
      return pad(hex, spec, true);
    }
    default:
      return undefined;
  }
}

function plainV(a: GoArg): string {
  return formatArg(a, 'v', { minus: false, plus: false, sharp: false, space: false, zero: false });
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The Go type opa (v1.22) hands fmt: int64, or *big.Int past int64, float64, string. */
function goType(a: GoArg): string {
  if (a.kind !== 'int') return a.kind;
  return a.v >= INT64_MIN && a.v <= INT64_MAX ? 'int64' : 'big.Int';
}

function formatArg(a: GoArg, verb: string, spec: Spec): string {
  let out: string | undefined;
  if (a.kind === 'int') out = formatInt(a.v, verb, spec);
  else if (a.kind === 'float64') out = formatFloat(a.v, verb, spec);
  else out = formatString(a.v, verb, spec);
  if (out !== undefined) return out;
  // Go's bad-verb form prints the value as %v with the same flags, width and precision (int64 only:
  // *big.Int and the other types take them as %v does).
  const shown = goType(a) === 'big.Int' ? plainV(a) : (formatArg(a, 'v', spec) ?? plainV(a));
  return `%!${verb}(${goType(a)}=${shown})`;
}

/** Go's fmt.Sprintf over OPA-converted operands. */
export function goSprintf(format: string, operands: Json[]): string {
  const args = operands.map(toGoArg);
  let argi = 0;
  let out = '';
  let i = 0;
  const readNum = (): number | undefined => {
    if (format[i] === '*') {
      i++;
      const a = args[argi++];
      return a?.kind === 'int' ? Number(a.v) : undefined;
    }
    const m = /^\d+/.exec(format.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    return Number(m[0]);
  };
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '-') spec.minus = true;
      else if (c === '+') spec.plus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = !spec.minus;
      else break;
    }
    spec.width = readNum();
    if (format[i] === '.') {
      i++;
      spec.prec = readNum() ?? 0;
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) as number);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    const a = args[argi++];
    out += a === undefined ? `%!${verb}(MISSING)` : formatArg(a, verb, spec);
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args
      .slice(argi)
      .map((a) => `${goType(a)}=${plainV(a)}`)
      .join(', ')})`;
  }
  return out;
}

/** JSON.parse, except that integers beyond 2^53 come back as exact bigints. */
export function parseJsonExact(text: string): unknown {
  // Big integer literals outside strings are tagged first, so JSON.parse cannot round them.
  const tag = '\u0000bigint:';
  const tagged = text.replace(/"(?:[^"\\]|\\.)*"|(?<=[[,:\s]|^)-?\d{16,}(?![.\deE])/g, (m) =>
    // The tag goes in as the JSON escape \u0000 (a real string value starting with NUL + "bigint:"
    // would be misread; Rego data does not carry such strings in practice).
    m.startsWith('"') ? m : `"\\u0000bigint:${m}"`,
  );
  return JSON.parse(tagged, (_k, v) =>
    typeof v === 'string' && v.startsWith(tag) ? exactInt(v.slice(tag.length)) : v,
  );
}

function exactInt(digits: string): number | bigint {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : BigInt(digits);
}

export const stringBuiltins = {
  sprintf: (format: unknown, values: unknown) => goSprintf(str(format), arr(values)),
  'internal.sprintf_json': (format: unknown, values: unknown) =>
    goSprintf(str(format), arr(parseJsonExact(str(values)) as Json)),
};
