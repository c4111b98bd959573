// Writes ModuleSections back to a wasm binary; raw parts (bodies, segments, customs) are copied as-is.
import { ByteWriter } from './bytes.js';
import {
  EXTERN,
  type GlobalType,
  type Import,
  type Limits,
  type ModuleSections,
  type NameSection,
  SECTION,
  type TableType,
} from './types.js';

export function writeModule(m: ModuleSections): Uint8Array {
  const out = new ByteWriter(1 << 16);
  out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, count: number, fill: (w: ByteWriter) => void): void => {
    if (count === 0) return;
    const w = new ByteWriter();
    fill(w);
    out.byte(id).sized(w.finish());
  };
  const vecSection = <T>(id: number, items: readonly T[], item: (w: ByteWriter, x: T) => void): void =>
    section(id, items.length, (w) => {
      w.u32(items.length);
      for (const x of items) item(w, x);
    });

  vecSection(SECTION.type, m.types, (w, t) => {
    w.byte(0x60).u32(t.params.length).bytes(t.params).u32(t.results.length).bytes(t.results);
  });
  vecSection(SECTION.import, m.imports, writeImport);
  vecSection(SECTION.function, m.functions, (w, t) => w.u32(t));
  vecSection(SECTION.table, m.tables, writeTableType);
  vecSection(SECTION.memory, m.memories, writeLimits);
  vecSection(SECTION.global, m.globals, (w, g) => writeGlobalType(w, g.type).bytes(g.init));
  vecSection(SECTION.export, m.exports, (w, e) => w.name(e.name).byte(e.kind).u32(e.index));
  if (m.start !== undefined) section(SECTION.start, 1, (w) => w.u32(m.start as number));
  vecSection(SECTION.element, m.elements, (w, e) => w.bytes(e));
  if (m.dataCount) section(SECTION.dataCount, 1, (w) => w.u32(m.data.length));
  vecSection(SECTION.code, m.code, (w, body) => w.sized(body));
  vecSection(SECTION.data, m.data, (w, d) => w.bytes(d));
  if (m.names) section(SECTION.custom, 1, (w) => writeNames(w.name('name'), m.names as NameSection));
  for (const c of m.customs) section(SECTION.custom, 1, (w) => w.name(c.name).bytes(c.payload));
  return out.finish();
}

function writeLimits(w: ByteWriter, l: Limits): ByteWriter {
  if (l.max === undefined) return w.byte(0).u32(l.min);
  return w.byte(1).u32(l.min).u32(l.max);
}

function writeTableType(w: ByteWriter, t: TableType): ByteWriter {
  return writeLimits(w.byte(t.elem), t.limits);
}

function writeGlobalType(w: ByteWriter, g: GlobalType): ByteWriter {
  return w.byte(g.type).byte(g.mutable ? 1 : 0);
}

function writeImport(w: ByteWriter, imp: Import): void {
  w.name(imp.module).name(imp.name).byte(imp.desc.kind);
  switch (imp.desc.kind) {
    case EXTERN.func:
      w.u32(imp.desc.type);
      return;
    case EXTERN.table:
      writeTableType(w, imp.desc.table);
      return;
    case EXTERN.memory:
      writeLimits(w, imp.desc.limits);
      return;
    case EXTERN.global:
      writeGlobalType(w, imp.desc.global);
      return;
  }
}

function writeNames(w: ByteWriter, names: NameSection): void {
  const subs = new Map(names.otherSubsections);
  if (names.moduleName !== undefined) subs.set(0, new ByteWriter().name(names.moduleName).finish());
  if (names.functionNames.size > 0) {
    const f = new ByteWriter().u32(names.functionNames.size);
    for (const [index, name] of [...names.functionNames].sort((a, b) => a[0] - b[0])) f.u32(index).name(name);
    subs.set(1, f.finish());
  }
  for (const id of [...subs.keys()].sort((a, b) => a - b)) w.byte(id).sized(subs.get(id) as Uint8Array);
}
