// Coded errors of the policy engine's public API: bundle I/O and policy loading. Compile problems are
// diagnostics (engine/syntax/diagnostics.ts), never these.

export type EngineErrorCode =
  | 'SM_ERR_BUNDLE_CORRUPT'
  | 'SM_ERR_BUNDLE_MANIFEST_INVALID'
  | 'SM_ERR_BUNDLE_PATH_UNSAFE'
  | 'SM_ERR_BUNDLE_ENTRY_TYPE'
  | 'SM_ERR_BUNDLE_TOO_LARGE'
  | 'SM_ERR_BUNDLE_MISSING_ENTRY'
  | 'SM_ERR_BUNDLE_DATA_INVALID'
  | 'SM_ERR_ENGINE_POLICY_LOAD'
  | 'SM_ERR_ENGINE_EVAL'
  | 'SM_ERR_ENGINE_TIMEOUT';

export class EngineError extends Error {
  readonly code: EngineErrorCode;

  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
  }
}

/** The archive is not a readable gzip'd tar, or an entry is duplicated. */
export function bundleCorrupt(message: string, cause?: unknown): EngineError {
  return new EngineError('SM_ERR_BUNDLE_CORRUPT', `corrupt bundle: ${message}`, { cause });
}

/** `/.manifest` is not JSON of the expected shape. */
export function manifestInvalid(message: string, cause?: unknown): EngineError {
  return new EngineError('SM_ERR_BUNDLE_MANIFEST_INVALID', `invalid bundle manifest: ${message}`, { cause });
}

/** An entry name escapes the bundle root (`..`, NUL, backslashes) — never extracted. */
export function pathUnsafe(name: string): EngineError {
  return new EngineError(
    'SM_ERR_BUNDLE_PATH_UNSAFE',
    `bundle entry has an unsafe path: ${JSON.stringify(name)}`,
  );
}

/** Links, devices, directories with content and the like have no place in a bundle. */
export function entryType(name: string, type: string): EngineError {
  return new EngineError(
    'SM_ERR_BUNDLE_ENTRY_TYPE',
    `bundle entry ${JSON.stringify(name)} is a ${type}, only regular files are allowed`,
  );
}

export function bundleTooLarge(what: string, limit: number): EngineError {
  return new EngineError('SM_ERR_BUNDLE_TOO_LARGE', `bundle ${what} exceeds the limit of ${limit} bytes`);
}

export function missingEntry(name: string): EngineError {
  return new EngineError('SM_ERR_BUNDLE_MISSING_ENTRY', `bundle has no ${name} entry`);
}

/** `/data.json` (or a data file given to the CLI) is not a JSON object. */
export function dataInvalid(message: string, cause?: unknown): EngineError {
  return new EngineError('SM_ERR_BUNDLE_DATA_INVALID', `invalid bundle data: ${message}`, { cause });
}

/** The wasm module could not be instantiated by the SDK (bad module, ABI mismatch, memory). */
export function policyLoad(message: string, cause?: unknown): EngineError {
  return new EngineError('SM_ERR_ENGINE_POLICY_LOAD', `cannot load policy: ${message}`, { cause });
}

/** Evaluation aborted inside the policy (the SDK throws a string: we wrap it with the text kept). */
export function evalFailed(message: string, cause?: unknown): EngineError {
  return new EngineError('SM_ERR_ENGINE_EVAL', `policy evaluation failed: ${message}`, { cause });
}

/** An evaluation ran past its deadline and was stopped by the instruction budget (wasm/fuel.ts). */
export function evalTimeout(timeoutMs: number): EngineError {
  return new EngineError(
    'SM_ERR_ENGINE_TIMEOUT',
    `policy evaluation stopped after its ${timeoutMs} ms budget`,
  );
}
