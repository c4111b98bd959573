// Reads a wasm binary into ModuleSections, keeping function bodies and segments as raw bytes.
import { malformed } from '../errors.js';
import { ByteReader } from './bytes.js';
import {
  EXTERN,
  type ExternKind,
  type FuncType,
  type GlobalType,
  type Import,
  type Limits,
  type ModuleSections,
  type NameSection,
  SECTION,
  type TableType,
} from './types.js';

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

export function readModule(bytes: Uint8Array): ModuleSections {
  const r = new ByteReader(bytes);
  const magic = r.bytes(4);
  if (!MAGIC.every((b, i) => magic[i] === b)) throw malformed('bad magic number', 0);
  const version = r.bytes(4);
  if (version[0] !== 1 || version[1] !== 0 || version[2] !== 0 || version[3] !== 0)
    throw malformed('unsupported version', 4);

  const m: ModuleSections = {
    types: [],
    imports: [],
    functions: [],
    tables: [],
    memories: [],
    globals: [],
    exports: [],
    elements: [],
    code: [],
    data: [],
    dataCount: false,
    customs: [],
  };
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    const s = new ByteReader(bytes, start, start + size);
    if (start + size > bytes.length) throw malformed(`section ${id} overruns the module`, start);
    readSection(id, s, m);
    if (s.pos !== s.end) throw malformed(`section ${id} has ${s.end - s.pos} trailing bytes`, s.pos);
    r.pos = start + size;
  }
  if (m.functions.length !== m.code.length)
    throw malformed(`${m.functions.length} functions but ${m.code.length} bodies`);
  return m;
}

function vec<T>(r: ByteReader, item: () => T): T[] {
  const n = r.u32();
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(item());
  return out;
}

function readLimits(r: ByteReader): Limits {
  const flag = r.byte();
  if (flag === 0) return { min: r.u32() };
  if (flag === 1) return { min: r.u32(), max: r.u32() };
  throw malformed(`unsupported limits flag ${flag} (shared or 64-bit memories are not used)`, r.pos - 1);
}

function readTableType(r: ByteReader): TableType {
  const elem = r.byte();
  return { elem, limits: readLimits(r) };
}

function readGlobalType(r: ByteReader): GlobalType {
  const type = r.byte();
  return { type, mutable: r.byte() === 1 };
}

function readFuncType(r: ByteReader): FuncType {
  const form = r.byte();
  if (form !== 0x60) throw malformed(`expected func type 0x60, got 0x${form.toString(16)}`, r.pos - 1);
  const params = vec(r, () => r.byte());
  const results = vec(r, () => r.byte());
  return { params, results };
}

function readImport(r: ByteReader): Import {
  const module = r.name();
  const name = r.name();
  const kind = r.byte();
  switch (kind) {
    case EXTERN.func:
      return { module, name, desc: { kind, type: r.u32() } };
    case EXTERN.table:
      return { module, name, desc: { kind, table: readTableType(r) } };
    case EXTERN.memory:
      return { module, name, desc: { kind, limits: readLimits(r) } };
    case EXTERN.global:
      return { module, name, desc: { kind, global: readGlobalType(r) } };
    default:
      throw malformed(`unknown import kind ${kind}`, r.pos - 1);
  }
}

/** Returns the raw bytes of one element segment, whatever its flags. */
function readElementSegment(r: ByteReader): Uint8Array {
  const start = r.pos;
  const flags = r.u32();
  if (flags > 7) throw malformed(`unknown element segment flags ${flags}`, start);
  const active = (flags & 1) === 0;
  const explicitTable = (flags & 2) !== 0;
  const exprs = (flags & 4) !== 0;
  if (active && explicitTable) r.u32();
  if (active) r.constExpr();
  if (!active || explicitTable) r.byte(); // elemkind or reftype
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    if (exprs) r.constExpr();
    else r.u32();
  }
  return r.buf.slice(start, r.pos);
}

function readDataSegment(r: ByteReader): Uint8Array {
  const start = r.pos;
  const flags = r.u32();
  if (flags === 2) r.u32();
  if (flags === 0 || flags === 2) r.constExpr();
  else if (flags !== 1) throw malformed(`unknown data segment flags ${flags}`, start);
  r.bytes(r.u32());
  return r.buf.slice(start, r.pos);
}

function readNames(r: ByteReader): NameSection {
  const names: NameSection = { functionNames: new Map(), otherSubsections: new Map() };
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    const sub = new ByteReader(r.buf, r.pos, r.pos + size);
    if (id === 0) names.moduleName = sub.name();
    else if (id === 1) {
      const n = sub.u32();
      for (let i = 0; i < n; i++) names.functionNames.set(sub.u32(), sub.name());
    } else names.otherSubsections.set(id, r.buf.slice(r.pos, r.pos + size));
    r.pos += size;
  }
  return names;
}

function readSection(id: number, r: ByteReader, m: ModuleSections): void {
  switch (id) {
    case SECTION.custom: {
      const name = r.name();
      const payload = r.bytes(r.end - r.pos);
      if (name === 'name') {
        try {
          m.names = readNames(new ByteReader(payload));
        } catch {
          // A damaged name section only costs debug names; keep the module usable.
          m.names = undefined;
        }
      } else m.customs.push({ name, payload: payload.slice() });
      return;
    }
    case SECTION.type:
      m.types = vec(r, () => readFuncType(r));
      return;
    case SECTION.import:
      m.imports = vec(r, () => readImport(r));
      return;
    case SECTION.function:
      m.functions = vec(r, () => r.u32());
      return;
    case SECTION.table:
      m.tables = vec(r, () => readTableType(r));
      return;
    case SECTION.memory:
      m.memories = vec(r, () => readLimits(r));
      return;
    case SECTION.global:
      m.globals = vec(r, () => ({ type: readGlobalType(r), init: r.constExpr().slice() }));
      return;
    case SECTION.export:
      m.exports = vec(r, () => {
        const name = r.name();
        const kind = r.byte();
        if (kind > 3) throw malformed(`unknown export kind ${kind}`, r.pos - 1);
        return { name, kind: kind as ExternKind, index: r.u32() };
      });
      return;
    case SECTION.start:
      m.start = r.u32();
      return;
    case SECTION.element:
      m.elements = vec(r, () => readElementSegment(r));
      return;
    case SECTION.code:
      m.code = vec(r, () => r.bytes(r.u32()).slice());
      return;
    case SECTION.data:
      m.data = vec(r, () => readDataSegment(r));
      return;
    case SECTION.dataCount:
      r.u32();
      m.dataCount = true;
      return;
    default:
      throw malformed(`unknown section id ${id}`, r.pos);
  }
}
