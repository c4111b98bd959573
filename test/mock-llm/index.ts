// Public entry of the mock LLM: an OpenAI- and Anthropic-compatible test server with scripted replies.
export { MockLlmError, type MockLlmErrorCode } from './errors.js';
export { embeddingVector } from './openai.js';
export type { ReplySpec, ScriptHandle, ScriptInput, ToolCallSpec } from './script.js';
export { CANNED_SCRIPTS, defaultReplyText } from './script.js';
export {
  createMockLlm,
  DEFAULT_MODELS,
  type MockLlm,
  type MockLlmOptions,
  type RecordedRequest,
} from './server.js';
export { loadTokenizer, type Tokenizer, type TokenizerKind } from './tokens.js';
