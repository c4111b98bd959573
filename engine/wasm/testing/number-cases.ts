// Arithmetic cases for the differential tests and docs/wasm-sdk.md: OPA computes with Go's
// math/big (exact integers, 64-bit-mantissa floats otherwise), which no double reproduces.
import { rng } from './regex-fuzz.js';

/** Hand-picked expressions whose results tell float64, big.Float and decimal arithmetic apart. */
export const NUMBER_SHOWCASE = [
  '0.1 + 0.2',
  '0.1 * 3',
  '0.1 * 0.1',
  '1 - 0.9',
  '0.3 - 0.1',
  '1 / 3',
  '2 / 3 * 3',
  '10 / 4',
  '100000000000000000000 / 3',
  '1e100 / 3',
  '12345678901234567890 * 10',
  '1e21 + 1',
  '9007199254740993 + 0',
  '9007199254740993.5 + 0',
  '123456789.123456789 * 1000',
  '1e308 * 10',
  '1e-7 + 0',
  'sum([0.1, 0.2])',
  'product([0.1, 3])',
  'product([1.1, 1.1, 1.1])',
  '100 * 1.1',
  '12.5 - 0.5',
  'round(2.5)',
  'round(-2.5)',
  'ceil(1.0000000000000001)',
  '10 % 3.0',
];

const OPERANDS = [
  '0.1',
  '0.2',
  '0.3',
  '1',
  '3',
  '7',
  '1e3',
  '2.5',
  '-1.5',
  '1e-7',
  '123456789.123456789',
].concat([
  '9007199254740993',
  '12345678901234567890',
  '1e21',
  '0.001',
  '1e100',
  '-0.7',
  '33.3333',
  '1e-300',
  '4.35',
  '1.1',
]);

/** Every operator over every pair of operands, plus aggregates. */
export function numberGrid(): string[] {
  const out: string[] = [];
  for (const a of OPERANDS)
    for (const b of OPERANDS) for (const op of '+-*/') out.push(`(${a}) ${op} (${b})`);
  out.push('sum([0.1, 0.2, 0.3])', 'sum([1e21, 1, 0.5])', 'sum([12345678901234567890, 1])');
  out.push('product([2, 3, 12345678901234567890])', 'product([0.5, 4])', 'product([1.1, 1.1, 1.1])');
  return out;
}

/** A number's text as (sign, digits, exponent), so `1e-07`, `1e-7` and `1.0e-7` compare equal. */
export function canonicalNumber(text: string): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return text;
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let exp = Number(m[4] ?? 0) + (m[2] ?? '').length;
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead).replace(/0+$/, '');
  exp -= lead;
  return digits ? `${m[1]}0.${digits}e${exp}` : '0';
}

/** Seeded random literals (1-22 digits, a point anywhere, exponents -30..29, signs) under + - * /. */
export function numberFuzz(seed: number, count: number): string[] {
  const next = rng(seed);
  const literal = (): string => {
    let d = '';
    const nd = 1 + Math.floor(next() * 22);
    for (let i = 0; i < nd; i++) d += Math.floor(next() * 10);
    d = d.replace(/^0+(?=\d)/, '');
    const dot = Math.floor(next() * (d.length + 1));
    let s = dot < d.length ? `${d.slice(0, dot).replace(/^0+(?=\d)/, '') || '0'}.${d.slice(dot)}` : d;
    if (next() < 0.3) s += `e${Math.floor(next() * 60) - 30}`;
    return (next() < 0.3 ? '-' : '') + s;
  };
  return Array.from(
    { length: count },
    () => `(${literal()}) ${'+-*/'[Math.floor(next() * 4)]} (${literal()})`,
  );
}
