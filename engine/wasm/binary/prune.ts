// Dead-function pruning: finds the functions reachable from exports, the start function and table
// elements, and replaces every other body by `unreachable`. Indices never change, so live runtime
// bodies stay byte-for-byte copies; a pruned function costs four bytes.
import { malformed } from '../errors.js';
import { ByteReader } from './bytes.js';
import { EXTERN, type ModuleSections } from './types.js';

const VALTYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);
/** `(no locals) unreachable end`: valid for every function type. */
const TRAP_BODY = new Uint8Array([0x00, 0x00, 0x0b]);

/** Indices of the functions a body calls directly or takes a reference to. */
export function calledFunctions(body: Uint8Array): number[] {
  const r = new ByteReader(body);
  const out: number[] = [];
  const localGroups = r.u32();
  for (let i = 0; i < localGroups; i++) {
    r.u32();
    r.byte();
  }
  while (!r.done) {
    const op = r.byte();
    if (op === 0x10 || op === 0x12 || op === 0xd2) {
      out.push(r.u32());
      continue;
    }
    skipImmediates(r, op);
  }
  return out;
}

function skipImmediates(r: ByteReader, op: number): void {
  if ((op >= 0x45 && op <= 0xc4) || op === 0xd1) return; // numeric, conversions, sign-extension
  if (op >= 0x28 && op <= 0x3e) {
    r.u32();
    r.u32();
    return;
  }
  switch (op) {
    case 0x00:
    case 0x01:
    case 0x05:
    case 0x0b:
    case 0x0f:
    case 0x1a:
    case 0x1b:
      return;
    case 0x02:
    case 0x03:
    case 0x04: {
      const b = r.buf[r.pos];
      if (b === 0x40 || VALTYPES.has(b)) r.byte();
      else r.s64(); // s33 type index
      return;
    }
    case 0x0c:
    case 0x0d:
    case 0x20:
    case 0x21:
    case 0x22:
    case 0x23:
    case 0x24:
    case 0x25:
    case 0x26:
      r.u32();
      return;
    case 0x0e: {
      const n = r.u32();
      for (let i = 0; i <= n; i++) r.u32();
      return;
    }
    case 0x11:
    case 0x13:
      r.u32();
      r.u32();
      return;
    case 0x1c: {
      const n = r.u32();
      for (let i = 0; i < n; i++) r.byte();
      return;
    }
    case 0x3f:
    case 0x40:
    case 0xd0:
      r.byte();
      return;
    case 0x41:
      r.s32();
      return;
    case 0x42:
      r.s64();
      return;
    case 0x43:
      r.bytes(4);
      return;
    case 0x44:
      r.bytes(8);
      return;
    case 0xfc:
      skipPrefixed(r, r.u32());
      return;
    default:
      throw malformed(`opcode 0x${op.toString(16)} is not supported by the pruner`, r.pos - 1);
  }
}

function skipPrefixed(r: ByteReader, sub: number): void {
  if (sub <= 7) return; // saturating truncations
  switch (sub) {
    case 8: // memory.init
      r.u32();
      r.byte();
      return;
    case 9: // data.drop
    case 13: // elem.drop
    case 15: // table.grow
    case 16: // table.size
    case 17: // table.fill
      r.u32();
      return;
    case 10: // memory.copy
      r.byte();
      r.byte();
      return;
    case 11: // memory.fill
      r.byte();
      return;
    case 12: // table.init
    case 14: // table.copy
      r.u32();
      r.u32();
      return;
    default:
      throw malformed(`opcode 0xfc ${sub} is not supported by the pruner`, r.pos);
  }
}

/** Function indices listed in element segments (they may be called indirectly). */
function elementFunctions(segment: Uint8Array): number[] {
  const r = new ByteReader(segment);
  const flags = r.u32();
  const active = (flags & 1) === 0;
  const explicitTable = (flags & 2) !== 0;
  if (active && explicitTable) r.u32();
  if (active) r.constExpr();
  if (!active || explicitTable) r.byte();
  const n = r.u32();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if ((flags & 4) === 0) out.push(r.u32());
    else {
      const expr = r.constExpr();
      if (expr[0] === 0xd2) out.push(new ByteReader(expr, 1).u32());
    }
  }
  return out;
}

/**
 * Replaces the bodies of unreachable defined functions by a trap and drops their debug names.
 * Returns the number of pruned functions; a body the decoder does not understand (e.g. SIMD) keeps
 * the module unchanged and returns 0.
 */
export function pruneUnreachable(m: ModuleSections): number {
  const imported = m.imports.filter((i) => i.desc.kind === EXTERN.func).length;
  const live = new Set<number>();
  const work: number[] = [];
  const mark = (f: number) => {
    if (!live.has(f)) {
      live.add(f);
      work.push(f);
    }
  };
  for (const e of m.exports) if (e.kind === EXTERN.func) mark(e.index);
  if (m.start !== undefined) mark(m.start);
  try {
    for (const seg of m.elements) for (const f of elementFunctions(seg)) mark(f);
    while (work.length > 0) {
      const f = work.pop() as number;
      if (f < imported) continue;
      const body = m.code[f - imported];
      if (body) for (const callee of calledFunctions(body)) mark(callee);
    }
  } catch {
    return 0;
  }
  let pruned = 0;
  for (let i = 0; i < m.code.length; i++) {
    if (live.has(i + imported)) continue;
    m.code[i] = TRAP_BODY;
    m.names?.functionNames.delete(i + imported);
    pruned++;
  }
  return pruned;
}
