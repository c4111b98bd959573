// Public entry of the wasm binary layer: the module wrapper, the instruction emitter and the types.
export { ByteReader, ByteWriter } from './bytes.js';
export { type BlockType, FunctionEmitter, type Label } from './emitter.js';
export { WasmModule } from './module.js';
export { readModule } from './reader.js';
export * from './types.js';
export { writeModule } from './writer.js';
