// SemaQuota: token, cost and request budgets per agent selection, model prices, and loop detection.
import { type Static, Type } from '@sinclair/typebox';
import { AgentSelector, NamespacedAgentSelector, resource, statusWith } from './common.js';
import { celRules, Duration, MapOf, Obj, StringEnum, Timestamp } from './schema-helpers.js';

export const QUOTA_WINDOWS = ['minute', 'hour', 'day', 'month'] as const;
export type QuotaWindow = (typeof QUOTA_WINDOWS)[number];
export const WINDOW_TYPES = ['rolling', 'calendar'] as const;
export const QUOTA_EXCEED_ACTIONS = ['THROTTLE', 'BLOCK', 'PAUSE'] as const;
export const LOOP_ACTIONS = ['THROTTLE', 'PAUSE'] as const;

export const QuotaLimit = Obj(
  {
    window: StringEnum(QUOTA_WINDOWS, { description: 'Length of the accounting window.' }),
    type: Type.Optional(
      StringEnum(WINDOW_TYPES, {
        description:
          '`rolling`: the last minute/hour/day/month up to now; `calendar`: resets at the start of each UTC minute/hour/day/month.',
        default: 'rolling',
      }),
    ),
    tokens: Type.Optional(
      Type.Integer({
        description: 'Most tokens (prompt + completion) in the window.',
        minimum: 0,
        format: 'int64',
      }),
    ),
    costUSD: Type.Optional(
      Type.Number({ description: 'Most spend in US dollars in the window.', minimum: 0, format: 'double' }),
    ),
    requests: Type.Optional(
      Type.Integer({ description: 'Most LLM requests in the window.', minimum: 0, format: 'int64' }),
    ),
  },
  {
    description: 'A budget over one window; every limit given must hold.',
    ...celRules({
      rule: 'has(self.tokens) || has(self.costUSD) || has(self.requests)',
      message: 'a limit needs at least one of tokens, costUSD or requests',
    }),
  },
);
export type QuotaLimit = Static<typeof QuotaLimit>;

export const ModelPrice = Obj(
  {
    inputPer1M: Type.Number({ description: 'USD per million prompt tokens.', minimum: 0, format: 'double' }),
    outputPer1M: Type.Number({
      description: 'USD per million completion tokens.',
      minimum: 0,
      format: 'double',
    }),
    cachedInputPer1M: Type.Optional(
      Type.Number({
        description: 'USD per million cached prompt tokens; defaults to inputPer1M.',
        minimum: 0,
        format: 'double',
      }),
    ),
  },
  { description: 'Prices of one model in US dollars.' },
);
export type ModelPrice = Static<typeof ModelPrice>;

export const LoopDetection = Obj(
  {
    window: Type.Optional(
      Duration({ description: 'How far back identical calls are counted.', default: '5m' }),
    ),
    maxIdenticalPrompts: Type.Integer({
      description: 'Identical prompts from one agent within the window that count as a loop.',
      minimum: 2,
      format: 'int32',
    }),
    maxIdenticalToolCalls: Type.Integer({
      description: 'Identical tool calls (name + arguments) within the window that count as a loop.',
      minimum: 2,
      format: 'int32',
    }),
    warnAt: Type.Optional(
      Type.Integer({
        description: 'Repetitions at which an AUDIT warning is recorded before the loop action applies.',
        minimum: 1,
        format: 'int32',
      }),
    ),
    action: Type.Optional(
      StringEnum(LOOP_ACTIONS, {
        description: 'What happens to an agent caught in a loop.',
        default: 'THROTTLE',
      }),
    ),
  },
  {
    description: 'Detects agents repeating the same prompt or tool call.',
    ...celRules({
      rule: '!has(self.warnAt) || (self.warnAt < self.maxIdenticalPrompts && self.warnAt < self.maxIdenticalToolCalls)',
      message: 'warnAt must be below maxIdenticalPrompts and maxIdenticalToolCalls',
      fieldPath: '.warnAt',
    }),
  },
);
export type LoopDetection = Static<typeof LoopDetection>;

function quotaSpec(selector: typeof AgentSelector) {
  return Obj(
    {
      selector: Type.Optional(selector),
      limits: Type.Array(QuotaLimit, {
        description: 'Budgets shared by all agents the quota selects; every limit must hold.',
        maxItems: 16,
      }),
      models: Type.Optional(
        MapOf(ModelPrice, {
          description:
            'Price overrides by model name (as sent in the request), on top of the built-in price table.',
          maxProperties: 256,
        }),
      ),
      defaultMaxTokens: Type.Optional(
        Type.Integer({
          description: 'Completion tokens reserved for a request that sets no max_tokens.',
          minimum: 1,
          format: 'int64',
        }),
      ),
      loopDetection: Type.Optional(LoopDetection),
      onExceed: Type.Optional(
        StringEnum(QUOTA_EXCEED_ACTIONS, {
          description:
            'What happens to a request that would exceed a limit: THROTTLE answers 429 with Retry-After.',
          default: 'THROTTLE',
        }),
      ),
    },
    { description: 'SemaQuotaSpec defines budgets and where they apply.' },
  );
}

export const SemaQuotaSpec = quotaSpec(NamespacedAgentSelector);
/** A SemaClusterQuota has the same budgets; its selector may name any namespaces. */
export const SemaClusterQuotaSpec = quotaSpec(AgentSelector);
export type SemaQuotaSpec = Static<typeof SemaQuotaSpec>;

export const QuotaUsage = Obj(
  {
    window: StringEnum(QUOTA_WINDOWS, { description: 'The window this usage is counted over.' }),
    tokens: Type.Integer({ description: 'Tokens used in the window.', minimum: 0, format: 'int64' }),
    costUSD: Type.Number({ description: 'Spend in US dollars in the window.', minimum: 0, format: 'double' }),
    requests: Type.Integer({ description: 'Requests in the window.', minimum: 0, format: 'int64' }),
    resetAt: Timestamp({ description: 'When the window next resets (calendar) or fully drains (rolling).' }),
    type: Type.Optional(StringEnum(WINDOW_TYPES, { description: 'Rolling or calendar window.' })),
    remaining: Type.Optional(
      Obj(
        {
          tokens: Type.Optional(Type.Integer({ description: 'Tokens left in the window.', format: 'int64' })),
          costUSD: Type.Optional(
            Type.Number({ description: 'Dollars left in the window.', format: 'double' }),
          ),
          requests: Type.Optional(
            Type.Integer({ description: 'Requests left in the window.', format: 'int64' }),
          ),
        },
        { description: 'Budget left for limits set on this window (absent for unlimited figures).' },
      ),
    ),
  },
  { description: 'Usage summed over the agents the quota selects.' },
);
export type QuotaUsage = Static<typeof QuotaUsage>;

export const SemaQuotaStatus = statusWith(
  {
    usage: Type.Optional(
      Type.Array(QuotaUsage, { description: 'Current usage per limit window.', maxItems: 16 }),
    ),
  },
  'SemaQuotaStatus is the observed state of a SemaQuota.',
);
export type SemaQuotaStatus = Static<typeof SemaQuotaStatus>;

export const SemaQuota = resource(
  'SemaQuota limits the tokens, cost and requests of AI agents and detects loops.',
  SemaQuotaSpec,
  SemaQuotaStatus,
);
export type SemaQuota = Static<typeof SemaQuota>;

export const SemaClusterQuota = resource(
  'SemaClusterQuota is a SemaQuota for the whole cluster: its budgets cover agents in every namespace its selector names (all when omitted). Only cluster admins can write it.',
  SemaClusterQuotaSpec,
  SemaQuotaStatus,
);
export type SemaClusterQuota = Static<typeof SemaClusterQuota>;
