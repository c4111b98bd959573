// Public entry of the intent analyser: text, shell, SQL and tool calls → `action:object` pairs.
//
// One canonicalizer serves both sides of a decision: the engine canonicalizes a policy's
// `intentMatches` phrases at compile time and the waypoint canonicalizes traffic at run time, so
// matching inside Rego is plain set membership. This folder imports nothing else of SemaMesh's;
// its vocabulary is in lexicon.ts and its labelled corpus in corpus/ (loaded and scored by
// corpus.ts, which benches and tests import directly: a server never reads the corpus).
export {
  Canonicalizer,
  defaultCanonicalizer,
  normalizeText,
  normalizeUnicode,
  stem,
  tokenize,
  type Vocabulary,
} from './canonicalize.js';
export {
  asksToActOnData,
  type ConversationIntents,
  type ConversationMemo,
  type ConversationReader,
  conversationIntents,
  isDataRole,
  type ReadState,
  type RoleMessage,
} from './conversation.js';
export type { Discourse, Entity, Reference } from './coreference.js';
export { ancestors, expandPolicyPairs } from './hierarchy.js';
export type { Evidence, Reading, Rejection } from './prose.js';
