// Coded errors of the mock LLM server, so callers and the CLI can tell a bad script from a busy port.

export type MockLlmErrorCode =
  | 'SM_ERR_MOCK_SCRIPT_INVALID'
  | 'SM_ERR_MOCK_LISTEN'
  | 'SM_ERR_MOCK_TOKENIZER_LOAD';

export class MockLlmError extends Error {
  readonly code: MockLlmErrorCode;

  constructor(code: MockLlmErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MockLlmError';
    this.code = code;
  }
}

/** A script entry (from code or from `POST /__mock/script`) that cannot be used as given. */
export function scriptInvalid(message: string, cause?: unknown): MockLlmError {
  return new MockLlmError('SM_ERR_MOCK_SCRIPT_INVALID', `invalid mock script: ${message}`, { cause });
}
