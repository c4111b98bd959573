// The built-in model price table (USD per million tokens) and the lookup that maps dated, aliased and
// vendor-prefixed model names onto it, with per-SemaQuota overrides and a default for unknown models.

/**
 * List prices as published by OpenAI and Anthropic, as known on 2025-11 (standard tier, no batch
 * discount, Anthropic prompts ≤ 200k tokens). Verify against the vendors' pricing pages when
 * updating; a SemaQuota's `spec.models` overrides any entry without a release.
 */
export const PRICE_TABLE_DATE = '2025-11';

export interface PriceEntry {
  /** USD per 1M prompt tokens. */
  inputPer1M: number;
  /** USD per 1M completion tokens (reasoning tokens are completion tokens and cost the same). */
  outputPer1M: number;
  /** USD per 1M cached prompt tokens (OpenAI cached input, Anthropic cache reads). */
  cachedInputPer1M?: number;
  /** Most completion tokens the model emits; reserved when a request sets no max_tokens. */
  maxOutputTokens?: number;
}

const p = (inputPer1M: number, outputPer1M: number, cachedInputPer1M: number, maxOutputTokens: number) => ({
  inputPer1M,
  outputPer1M,
  cachedInputPer1M,
  maxOutputTokens,
});

/** Canonical names (the undated form); dated and aliased names reach them through {@link canonicalModel}. */
export const DEFAULT_PRICES: Readonly<Record<string, PriceEntry>> = {
  // OpenAI
  'gpt-5': p(1.25, 10, 0.125, 128_000),
  'gpt-5-chat': p(1.25, 10, 0.125, 16_384),
  'gpt-5-mini': p(0.25, 2, 0.025, 128_000),
  'gpt-5-nano': p(0.05, 0.4, 0.005, 128_000),
  'gpt-5-pro': p(15, 120, 15, 272_000),
  'gpt-5-codex': p(1.25, 10, 0.125, 128_000),
  'gpt-5.1': p(1.25, 10, 0.125, 128_000),
  'gpt-5.1-mini': p(0.25, 2, 0.025, 128_000),
  'gpt-4.1': p(2, 8, 0.5, 32_768),
  'gpt-4.1-mini': p(0.4, 1.6, 0.1, 32_768),
  'gpt-4.1-nano': p(0.1, 0.4, 0.025, 32_768),
  'gpt-4o': p(2.5, 10, 1.25, 16_384),
  'gpt-4o-2024-05-13': p(5, 15, 5, 4_096),
  'gpt-4o-mini': p(0.15, 0.6, 0.075, 16_384),
  'gpt-4-turbo': p(10, 30, 10, 4_096),
  'gpt-4': p(30, 60, 30, 8_192),
  'gpt-3.5-turbo': p(0.5, 1.5, 0.5, 4_096),
  o1: p(15, 60, 7.5, 100_000),
  'o1-mini': p(1.1, 4.4, 0.55, 65_536),
  'o1-pro': p(150, 600, 150, 100_000),
  o3: p(2, 8, 0.5, 100_000),
  'o3-mini': p(1.1, 4.4, 0.55, 100_000),
  'o3-pro': p(20, 80, 20, 100_000),
  'o4-mini': p(1.1, 4.4, 0.275, 100_000),
  // Anthropic (cache reads at 10% of input; cache writes are not priced separately here)
  'claude-opus-4-5': p(5, 25, 0.5, 64_000),
  'claude-opus-4-1': p(15, 75, 1.5, 32_000),
  'claude-opus-4': p(15, 75, 1.5, 32_000),
  'claude-sonnet-4-5': p(3, 15, 0.3, 64_000),
  'claude-sonnet-4': p(3, 15, 0.3, 64_000),
  'claude-haiku-4-5': p(1, 5, 0.1, 64_000),
  'claude-3-7-sonnet': p(3, 15, 0.3, 64_000),
  'claude-3-5-sonnet': p(3, 15, 0.3, 8_192),
  'claude-3-5-haiku': p(0.8, 4, 0.08, 8_192),
  'claude-3-opus': p(15, 75, 1.5, 4_096),
  'claude-3-sonnet': p(3, 15, 0.3, 4_096),
  'claude-3-haiku': p(0.25, 1.25, 0.03, 4_096),
};

/** Pessimistic on purpose: an unknown model is billed like the dearest mainstream model until priced. */
export const DEFAULT_UNKNOWN_PRICE: PriceEntry = { inputPer1M: 15, outputPer1M: 75, cachedInputPer1M: 15 };
export const DEFAULT_MAX_OUTPUT_TOKENS = 4_096;

/**
 * Reduces a model name as clients send it to the table's form: drops vendor prefixes (`openai/`,
 * `anthropic.`, Bedrock `us.anthropic.`), version suffixes (`-20250514`, `-2024-08-06`, `@20240620`,
 * `-v1:0`, `-latest`), and rewrites Anthropic's alternative spellings (`claude-3.5-sonnet`,
 * `claude-4-sonnet`) to the current one (`claude-3-5-sonnet`, `claude-sonnet-4`).
 */
export function canonicalModel(model: string): string {
  let m = model.trim().toLowerCase();
  m = m.replace(/^(?:[a-z0-9-]+\/)+/, '');
  m = m.replace(/^(?:(?:us|eu|apac|global)\.)?(?:anthropic|openai)\./, '');
  m = m.replace(/-v\d+(?::\d+)?$/, '');
  m = m.replace(/@\d{8}$/, '');
  m = m.replace(/-latest$/, '');
  if (m.startsWith('claude')) {
    m = m.replace(/(\d)\.(\d)/g, '$1-$2');
    m = m.replace(/^claude-(\d(?:-\d)?)-(opus|sonnet|haiku)\b/, (all, ver: string, family: string) =>
      Number(ver[0]) >= 4 ? `claude-${family}-${ver}` : all,
    );
  }
  return m;
}

function stripDate(m: string): string {
  return m.replace(/-\d{4}-\d{2}-\d{2}$/, '').replace(/-\d{8}$/, '');
}

/**
 * Finds a table key for a model name: exact, then without a date suffix, then the longest key that
 * is a prefix ending at a `-` boundary (so `gpt-4o-mini-search` is gpt-4o-mini, never gpt-4o, and
 * `o3-mini` never falls back to `o3` while `o3-mini` exists).
 */
export function lookupKey(model: string, keys: Iterable<string>): string | undefined {
  const set = keys instanceof Set ? (keys as Set<string>) : new Set(keys);
  if (set.has(model)) return model;
  const canon = canonicalModel(model);
  for (const candidate of [canon, stripDate(canon)]) if (set.has(candidate)) return candidate;
  let best: string | undefined;
  const base = stripDate(canon);
  for (const key of set) {
    const k = canonicalModel(key);
    if ((base === k || base.startsWith(`${k}-`)) && (best === undefined || k.length > best.length))
      best = key;
  }
  return best;
}

export interface ResolvedPrice extends PriceEntry {
  /** Where the price came from; `default` means the model is unknown and was counted as such. */
  source: 'override' | 'table' | 'default';
  /** The key it matched (the model name itself for `default`). */
  key: string;
}

/** Resolves prices with a quota's overrides first, then the built-in table, then the default price. */
export class PriceBook {
  private readonly tableKeys: Set<string>;
  private readonly cache = new Map<string, ResolvedPrice>();

  constructor(
    private readonly table: Readonly<Record<string, PriceEntry>> = DEFAULT_PRICES,
    private readonly unknown: PriceEntry = DEFAULT_UNKNOWN_PRICE,
  ) {
    this.tableKeys = new Set(Object.keys(table));
  }

  resolve(model: string, overrides?: Readonly<Record<string, PriceEntry>>): ResolvedPrice {
    if (overrides) {
      const key = lookupKey(model, Object.keys(overrides));
      if (key !== undefined) {
        const table = this.resolve(model);
        return {
          maxOutputTokens: table.source === 'table' ? table.maxOutputTokens : undefined,
          ...overrides[key],
          source: 'override',
          key,
        };
      }
    }
    const hit = this.cache.get(model);
    if (hit) return hit;
    const key = lookupKey(model, this.tableKeys);
    const resolved: ResolvedPrice =
      key === undefined
        ? { ...this.unknown, source: 'default', key: model }
        : { ...this.table[key], source: 'table', key };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(model, resolved);
    return resolved;
  }
}

/** Nano-dollars per token for a USD-per-million price: costs are summed as integers so no store drifts. */
export function nanosPerToken(per1M: number): number {
  return per1M * 1000;
}
