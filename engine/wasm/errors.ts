// Coded errors of the wasm layer: malformed binaries, a runtime.wasm that breaks the ABI contract,
// and IR the code generator cannot compile.

export type WasmErrorCode = 'SM_ERR_WASM_MALFORMED' | 'SM_ERR_WASM_RUNTIME_ABI' | 'SM_ERR_WASM_CODEGEN';

export class WasmError extends Error {
  readonly code: WasmErrorCode;

  constructor(code: WasmErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WasmError';
    this.code = code;
  }
}

/** The bytes are not a wasm module this reader understands (truncated, bad section, bad LEB128). */
export function malformed(message: string, offset?: number): WasmError {
  const at = offset === undefined ? '' : ` at byte ${offset}`;
  return new WasmError('SM_ERR_WASM_MALFORMED', `malformed wasm module${at}: ${message}`);
}

/** runtime.wasm lacks an export, import or stub the code generator relies on (see runtime/ABI.md). */
export function runtimeAbi(message: string, cause?: unknown): WasmError {
  return new WasmError('SM_ERR_WASM_RUNTIME_ABI', `runtime.wasm does not follow ABI.md: ${message}`, {
    cause,
  });
}

/** The IR asks for something the code generator cannot emit (unknown function, too many args, ...). */
export function codegenError(message: string, cause?: unknown): WasmError {
  return new WasmError('SM_ERR_WASM_CODEGEN', `wasm code generation failed: ${message}`, { cause });
}
