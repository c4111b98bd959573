// `units.parse` (SI and binary suffixes, `m` = milli) and `units.parse_bytes` (byte suffixes, case
// insensitive, integer result), computed exactly on bigints so "10Ei" is not rounded.
import { fail, str } from './args.js';

const DECIMAL = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?/;

interface Ratio {
  num: bigint;
  den: bigint;
}

function parseAmount(text: string): { ratio: Ratio; unit: string } {
  let s = text;
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1);
  if (/\s/.test(s)) fail('spaces not allowed in resource strings');
  const m = DECIMAL.exec(s) as RegExpExecArray;
  const whole = m[1];
  const frac = m[2] ?? '';
  if (whole === '' && frac === '') fail(`no amount provided in ${JSON.stringify(text)}`);
  let exp = Number(m[3] ?? '0') - frac.length;
  let num = BigInt(whole + frac);
  let den = 1n;
  if (Math.abs(exp) > 400) fail('exponent out of range');
  if (exp >= 0) num *= 10n ** BigInt(exp);
  else den = 10n ** BigInt(-exp);
  exp = 0;
  return { ratio: { num, den }, unit: s.slice(m[0].length) };
}

const SI = ['k', 'm', 'g', 't', 'p', 'e'];

/** Multiplier of a suffix: `k` = 10^3, `ki` = 2^10, …; `milli` handled by the caller. */
function multiplier(unit: string): bigint | undefined {
  const u = unit.toLowerCase();
  if (u === '') return 1n;
  const i = SI.indexOf(u[0]);
  if (i < 0) return undefined;
  const rest = u.slice(1);
  if (rest === '' || rest === 'b') return 1000n ** BigInt(i + 1);
  if (rest === 'i' || rest === 'ib') return 1024n ** BigInt(i + 1);
  return undefined;
}

function toResult({ num, den }: Ratio): bigint | number {
  return num % den === 0n ? num / den : Number(num) / Number(den);
}

export const unitsBuiltins = {
  'units.parse': (s: unknown) => {
    const text = str(s);
    const neg = text.startsWith('-');
    const { ratio, unit } = parseAmount(neg ? text.slice(1) : text);
    if (unit.toLowerCase().endsWith('b')) fail(`unknown unit ${JSON.stringify(unit)}`);
    if (unit === 'm') ratio.den *= 1000n;
    else ratio.num *= multiplier(unit) ?? fail(`unknown unit ${JSON.stringify(unit)}`);
    if (neg) ratio.num = -ratio.num;
    return toResult(ratio);
  },
  'units.parse_bytes': (s: unknown) => {
    const { ratio, unit } = parseAmount(str(s));
    const mult = multiplier(unit) ?? fail(`unknown unit ${JSON.stringify(unit)}`);
    return (ratio.num * mult) / ratio.den;
  },
};
