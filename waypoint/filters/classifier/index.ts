// The classifier tier: an external guard model (an OpenAI-compatible chat endpoint serving Llama
// Guard 3, ShieldGemma, …) consulted after the deterministic policy decision, only when a
// configured trigger fires — the analyser is unsure, tool results may carry an injection, or
// always — with a timeout, a content-hash cache, a fail mode per rule, metrics and an audit reason.
import { createHash } from 'node:crypto';
import { Counter, Histogram, type Registry } from 'prom-client';
import { defaultCanonicalizer, isDataRole } from '../../../intent/index.js';
import { classifierUnavailable, policyBlock } from '../../errors.js';
import type { Filter, RequestContext } from '../types.js';
import { TEMPLATES, type TemplateName, type Verdict } from './templates.js';

/** One configured classifier rule (waypoint configuration: `classifiers: [...]`). */
export interface ClassifierRule {
  /** Names the rule in refusals (`classifier/<name>`), audit reasons and metrics. */
  name: string;
  /** Base URL of the OpenAI-compatible API, e.g. `http://llama-guard.guards:8000/v1`. */
  endpoint: string;
  model: string;
  apiKey?: string;
  template: TemplateName;
  /**
   * When to consult: `unsure` (the analyser rejected a destructive action it could not place),
   * `tool-results` (the request carries tool results: prompt injection, exfiltration), `always`.
   */
  when: 'unsure' | 'tool-results' | 'always';
  /** Verdict categories that count (e.g. `S14`); empty: any unsafe verdict. */
  categories?: string[];
  /** For templates that state a policy in the prompt (ShieldGemma). */
  policy?: string;
  /** What an unsafe verdict does: refuse, or let through and record. */
  action: 'BLOCK' | 'AUDIT';
  /** When the classifier fails or is too slow: allow (open) or refuse (closed). */
  failMode: 'open' | 'closed';
  /** Latency budget per call (default 1500 ms). */
  timeoutMs?: number;
}

export interface ClassifierOptions {
  rules: ClassifierRule[];
  /** The waypoint's metrics registry, when it has one. */
  registry?: Registry;
  /** Cached verdicts kept (default 10 000; dropped whole when full). */
  cacheSize?: number;
  fetch?: typeof fetch;
}

/** Texts beyond this many characters are classified by their last part (guard context windows are small). */
const MAX_CLASSIFIED_CHARS = 8 * 1024;
const DESTRUCTIVE = new Set(['delete', 'disable', 'stop']);
/** Rejections that are a firm reading, not doubt ("don't delete", "how do I delete"). */
const CERTAIN = new Set(['negated', 'question', 'a report of the past', 'identifier (a name)']);

/** The text a rule would classify for this request, or undefined when its trigger does not fire. */
export function triggerText(
  rule: ClassifierRule,
  ctx: Pick<RequestContext, 'request' | 'features'>,
): string | undefined {
  const messages =
    ctx.request.messages.length > 0 ? ctx.request.messages : [{ role: 'user', text: ctx.request.text }];
  const instructions = messages.filter((m) => !isDataRole(m.role) && m.role !== 'assistant' && m.text !== '');
  const last = instructions[instructions.length - 1]?.text;
  if (rule.when === 'tool-results') {
    const data = messages.filter((m) => isDataRole(m.role) && m.text !== '').map((m) => m.text);
    return data.length > 0 ? data.join('\n\n') : undefined;
  }
  if (last === undefined) return undefined;
  if (rule.when === 'always') return last;
  // Unsure: nothing destructive was found, yet a destructive action word was there and set aside
  // for a reason that is not a firm reading (no known object, an unusual construction).
  if (ctx.features.intents.some((p) => DESTRUCTIVE.has(p.slice(0, p.indexOf(':'))))) return undefined;
  const { rejected } = defaultCanonicalizer().explain(last.slice(-MAX_CLASSIFIED_CHARS));
  return rejected.some((r) => DESTRUCTIVE.has(r.action) && !CERTAIN.has(r.reason)) ? last : undefined;
}

/** Calls the guard model; throws on HTTP errors, timeouts and replies that do not follow the template. */
async function classify(rule: ClassifierRule, text: string, doFetch: typeof fetch): Promise<Verdict> {
  const template = TEMPLATES[rule.template];
  const res = await doFetch(`${rule.endpoint.replace(/\/+$/, '')}/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(rule.apiKey ? { authorization: `Bearer ${rule.apiKey}` } : {}),
    },
    body: JSON.stringify({
      model: rule.model,
      messages: template.messages(text.slice(-MAX_CLASSIFIED_CHARS), rule.policy),
      temperature: 0,
      max_tokens: 20,
      stream: false,
    }),
    signal: AbortSignal.timeout(rule.timeoutMs ?? 1500),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = (await res.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
  const content = body.choices?.[0]?.message?.content;
  const verdict = typeof content === 'string' ? template.parse(content) : undefined;
  if (!verdict) throw new Error(`reply does not follow the ${rule.template} template`);
  return verdict;
}

export function classifier(options: ClassifierOptions): Filter {
  const doFetch = options.fetch ?? fetch;
  const cacheSize = options.cacheSize ?? 10_000;
  const cache = new Map<string, Verdict>();
  const registers = options.registry ? [options.registry] : [];
  const calls = new Counter({
    name: 'semamesh_waypoint_classifier_requests_total',
    help: 'Classifier consultations, by rule and outcome (safe, unsafe, cached_safe, cached_unsafe, error, timeout)',
    labelNames: ['rule', 'outcome'],
    registers,
  });
  const latency = new Histogram({
    name: 'semamesh_waypoint_classifier_duration_seconds',
    help: 'Classifier call latency (cache misses only), by rule',
    labelNames: ['rule'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers,
  });

  const note = (ctx: RequestContext, rule: ClassifierRule, message: string) => {
    ctx.audit = true;
    if (ctx.decision)
      ctx.decision = {
        ...ctx.decision,
        reasons: [...ctx.decision.reasons, { policy: 'classifier', rule: rule.name, message }],
      };
  };

  return {
    name: 'classifier',
    async onRequest(ctx) {
      for (const rule of options.rules) {
        const text = triggerText(rule, ctx);
        if (text === undefined) continue;
        const key = createHash('sha256')
          .update(`${rule.name}\0${rule.model}\0${rule.template}\0${text}`)
          .digest('hex');
        let verdict = cache.get(key);
        if (verdict) calls.inc({ rule: rule.name, outcome: verdict.safe ? 'cached_safe' : 'cached_unsafe' });
        else {
          const t0 = performance.now();
          try {
            verdict = await classify(rule, text, doFetch);
          } catch (err) {
            const timeout = (err as Error).name === 'TimeoutError';
            calls.inc({ rule: rule.name, outcome: timeout ? 'timeout' : 'error' });
            const why = timeout ? `no verdict within ${rule.timeoutMs ?? 1500} ms` : (err as Error).message;
            if (rule.failMode === 'closed') throw classifierUnavailable(`classifier/${rule.name}`, why);
            note(ctx, rule, `classifier unavailable (${why}); failed open`);
            continue;
          }
          latency.observe({ rule: rule.name }, (performance.now() - t0) / 1000);
          calls.inc({ rule: rule.name, outcome: verdict.safe ? 'safe' : 'unsafe' });
          if (cache.size >= cacheSize) cache.clear();
          cache.set(key, verdict);
        }
        const counts =
          !verdict.safe &&
          (!rule.categories?.length || verdict.categories.some((c) => rule.categories?.includes(c)));
        if (!counts) continue;
        const message = `classifier ${rule.name} judged the request unsafe (${verdict.categories.join(', ') || 'no category'})`;
        note(ctx, rule, message);
        if (rule.action === 'BLOCK') {
          if (ctx.decision) ctx.decision = { ...ctx.decision, action: 'BLOCK', risk: 'high' };
          throw policyBlock(`classifier/${rule.name}`, `semamesh: ${message}`);
        }
      }
    },
  };
}
