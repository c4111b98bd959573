// What a request really used, for settling its budget: the provider's usage (incl. cached and
// reasoning tokens, and Anthropic's cache tokens added to the prompt), or — for a stream cut before
// its usage arrived — the prompt estimate plus the streamed text counted with the tokenizer.
import { isRecord } from '../../providers/types.js';
import type { Tokenizers } from '../../tokens/index.js';
import type { RequestContext, StreamItem } from '../types.js';

/** In OpenAI's convention: promptTokens includes cachedTokens, completionTokens includes reasoning. */
export interface QuotaUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number;
  reasoningTokens?: number;
}

/** Streamed text kept for counting is capped; beyond it characters are estimated at 4 a token. */
const TEXT_CAP = 1024 * 1024;

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
}

export class UsageMeter {
  private cached: number | undefined;
  private reasoning: number | undefined;
  /** Anthropic's input_tokens exclude cache reads and writes; these are added to the prompt. */
  private cacheRead = 0;
  private cacheWrite = 0;
  private text = '';
  private extraChars = 0;
  sawTerminal = false;

  constructor(
    private readonly ctx: RequestContext,
    private readonly tokenizers: Tokenizers | undefined,
  ) {}

  /** A non-streaming reply body (already parsed by the pipeline). */
  response(body: unknown): void {
    if (isRecord(body)) this.details(body.usage);
    this.sawTerminal = true;
  }

  event(item: StreamItem): void {
    const { ev, obs } = item;
    if (obs.done) this.sawTerminal = true;
    const text = this.ctx.tracker?.text(ev);
    if (text) {
      if (this.text.length + text.length <= TEXT_CAP) this.text += text;
      else this.extraChars += text.length;
    }
    // Only the events that carry usage are parsed again here (one or two per stream).
    if (obs.usage || ev.event === 'message_start') {
      try {
        const j = JSON.parse(ev.data) as Record<string, unknown>;
        const message = isRecord(j.message) ? j.message : undefined;
        const response = isRecord(j.response) ? j.response : undefined;
        this.details(j.usage ?? message?.usage ?? response?.usage);
      } catch {
        // Not JSON: the provider tracker already reported what it could.
      }
    }
  }

  private details(u: unknown): void {
    if (!isRecord(u)) return;
    const promptDetails = isRecord(u.prompt_tokens_details)
      ? u.prompt_tokens_details
      : isRecord(u.input_tokens_details)
        ? u.input_tokens_details
        : undefined;
    const completionDetails = isRecord(u.completion_tokens_details)
      ? u.completion_tokens_details
      : isRecord(u.output_tokens_details)
        ? u.output_tokens_details
        : undefined;
    this.cached = num(promptDetails?.cached_tokens) ?? this.cached;
    this.reasoning = num(completionDetails?.reasoning_tokens) ?? this.reasoning;
    if (this.ctx.provider.name === 'anthropic') {
      this.cacheRead = Math.max(this.cacheRead, num(u.cache_read_input_tokens) ?? 0);
      this.cacheWrite = Math.max(this.cacheWrite, num(u.cache_creation_input_tokens) ?? 0);
    }
  }

  /** Tokens of the text streamed so far (what a cut stream pays for when no usage arrived). */
  streamedTokens(): number {
    if (this.text === '' && this.extraChars === 0) return 0;
    const tk = this.tokenizers;
    const counted = tk
      ? tk.count(this.text, tk.encodingFor(this.ctx.request.model))
      : Math.ceil(this.text.length / 4);
    return counted + Math.ceil(this.extraChars / 4);
  }

  /**
   * The usage to charge. With the provider's numbers they are used as reported; otherwise the
   * prompt estimate and the streamed text stand in. `complete` = the reply finished normally.
   */
  usage(complete: boolean): QuotaUsage {
    const u = this.ctx.usage;
    const anthropicCache = this.cacheRead + this.cacheWrite;
    const prompt =
      (u.prompt ?? this.ctx.features.tokens.prompt) + (u.prompt !== undefined ? anthropicCache : 0);
    // A cut stream's usage chunk, when one came, is the provider's count; otherwise count the text.
    const completion = u.completion ?? (complete || this.ctx.tracker ? this.streamedTokens() : 0);
    const out: QuotaUsage = { promptTokens: prompt, completionTokens: completion };
    const cached = (this.cached ?? 0) + (u.prompt !== undefined ? this.cacheRead : 0);
    if (cached > 0) out.cachedTokens = Math.min(cached, prompt);
    if (this.reasoning !== undefined) out.reasoningTokens = this.reasoning;
    return out;
  }
}
