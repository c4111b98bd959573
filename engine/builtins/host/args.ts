// Argument accessors for host builtins: each checks the JSON-decoded operand's type and throws a
// coded error otherwise (the guard turns the throw into an undefined result).
import { builtinFailed, typeError } from '../errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function str(v: unknown, what = 'operand'): string {
  if (typeof v !== 'string') throw typeError('builtin', `${what} must be a string`);
  return v;
}

export function num(v: unknown, what = 'operand'): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError('builtin', `${what} must be a number`);
  return v;
}

export function int(v: unknown, what = 'operand'): number {
  const n = num(v, what);
  if (!Number.isInteger(n)) throw typeError('builtin', `${what} must be an integer`);
  return n;
}

/** Arrays and sets (sets arrive as arrays through the SDK's JSON marshalling). */
export function arr(v: unknown, what = 'operand'): Json[] {
  if (!Array.isArray(v)) throw typeError('builtin', `${what} must be an array or set`);
  return v as Json[];
}

export function obj(v: unknown, what = 'operand'): JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw typeError('builtin', `${what} must be an object`);
  }
  return v as JsonObject;
}

export function strs(v: unknown, what = 'operand'): string[] {
  return arr(v, what).map((x) => str(x, `${what} element`));
}

/** A string or a collection of strings, as several builtins accept (`strings.any_prefix_match`). */
export function strOrStrs(v: unknown, what = 'operand'): string[] {
  return typeof v === 'string' ? [v] : strs(v, what);
}

export function fail(message: string): never {
  throw builtinFailed('builtin', message);
}

/** True when `s` has a lone surrogate, which Go would see as invalid UTF-8. */
export function hasLoneSurrogate(s: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}
