// The classifier tier: an external guard model (an OpenAI-compatible chat endpoint serving Llama
// Guard 3, ShieldGemma, …) consulted after the deterministic policy decision, only when a trigger
// fires — the analyser is unsure, tool results may carry an injection, or always — with a timeout,
// a content-hash cache, a fail mode, metrics and an audit reason. Two sources name a classifier:
// the waypoint configuration (`classifiers:`, whose rules also define the endpoints), and SemaPolicy
// rules (`classifier.name`), which the decision lists for the agents they select.
import { createHash } from 'node:crypto';
import { Counter, Histogram, type Registry } from 'prom-client';
import { defaultCanonicalizer, isDataRole } from '../../../intent/index.js';
import { classifierUnavailable, policyBlock } from '../../errors.js';
import type { Decision } from '../../policy/decision.js';
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
   * Absent: the rule only defines an endpoint, consulted when a SemaPolicy rule names it.
   */
  when?: Trigger;
  /** Verdict categories that count (e.g. `S14`); empty: any unsafe verdict. */
  categories?: string[];
  /** For templates that state a policy in the prompt (ShieldGemma). */
  policy?: string;
  /** What an unsafe verdict does: refuse, or let through and record. */
  action: 'BLOCK' | 'AUDIT';
  /** When the classifier fails or is too slow: allow (open) or refuse (closed, the default). */
  failMode: 'open' | 'closed';
  /** Latency budget per call (default 1500 ms). */
  timeoutMs?: number;
}

export type Trigger = 'unsure' | 'tool-results' | 'always';

/** A SemaPolicy rule naming a classifier, as the decision lists it (engine/semapolicy/decision.ts). */
type ClassifierRequest = NonNullable<Decision['classifiers']>[number];

/** One consultation in force for a request: which endpoint, on what trigger, and what a verdict does. */
interface Consultation {
  endpoint: ClassifierRule;
  when: Trigger;
  categories?: string[];
  failMode: 'open' | 'closed';
  timeoutMs: number;
  /** `BLOCK` refuses an unsafe verdict; anything else records it. */
  action: string;
  /** Where reasons and refusals point: `classifier/<name>`, or the SemaPolicy and its rule. */
  policy: string;
  rule: string;
  /** What the audit reason and the refusal say about an unsafe verdict. */
  says(categories: string): string;
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
const DEFAULT_TIMEOUT_MS = 1500;
/** Rejections that are a firm reading, not doubt ("don't delete", "how do I delete"). */
const CERTAIN = new Set(['negated', 'question', 'a report of the past', 'identifier (a name)']);

/** The text a rule would classify for this request, or undefined when its trigger does not fire. */
export function triggerText(
  rule: { when: Trigger },
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
async function classify(
  rule: ClassifierRule,
  text: string,
  timeoutMs: number,
  doFetch: typeof fetch,
): Promise<Verdict> {
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
    signal: AbortSignal.timeout(timeoutMs),
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

  const note = (ctx: RequestContext, c: Consultation, message: string) => {
    ctx.audit = true;
    if (ctx.decision)
      ctx.decision = {
        ...ctx.decision,
        reasons: [...ctx.decision.reasons, { policy: c.policy, rule: c.rule, message }],
      };
  };

  /** The verdict for one consultation, from the cache or the guard; undefined when it failed open. */
  const verdictOf = async (ctx: RequestContext, c: Consultation, text: string) => {
    const { name, model, template } = c.endpoint;
    const key = createHash('sha256').update(`${name}\0${model}\0${template}\0${text}`).digest('hex');
    const cached = cache.get(key);
    if (cached) {
      calls.inc({ rule: name, outcome: cached.safe ? 'cached_safe' : 'cached_unsafe' });
      return cached;
    }
    const t0 = performance.now();
    try {
      const verdict = await classify(c.endpoint, text, c.timeoutMs, doFetch);
      latency.observe({ rule: name }, (performance.now() - t0) / 1000);
      calls.inc({ rule: name, outcome: verdict.safe ? 'safe' : 'unsafe' });
      if (cache.size >= cacheSize) cache.clear();
      cache.set(key, verdict);
      return verdict;
    } catch (err) {
      const timeout = (err as Error).name === 'TimeoutError';
      calls.inc({ rule: name, outcome: timeout ? 'timeout' : 'error' });
      return failed(ctx, c, timeout ? `no verdict within ${c.timeoutMs} ms` : (err as Error).message);
    }
  };

  const failed = (ctx: RequestContext, c: Consultation, why: string): undefined => {
    if (c.failMode === 'closed') throw classifierUnavailable(`${c.policy}/${c.rule}`, why);
    note(ctx, c, `classifier unavailable (${why}); failed open`);
    return undefined;
  };

  const byName = new Map(options.rules.map((r) => [r.name, r]));
  const configured: Consultation[] = options.rules.flatMap((r) =>
    r.when
      ? [
          {
            endpoint: r,
            when: r.when,
            categories: r.categories,
            failMode: r.failMode,
            timeoutMs: r.timeoutMs ?? DEFAULT_TIMEOUT_MS,
            action: r.action,
            policy: 'classifier',
            rule: r.name,
            says: (cats: string) => `classifier ${r.name} judged the request unsafe (${cats})`,
          },
        ]
      : [],
  );
  /** A SemaPolicy rule's consultation: its own trigger, categories, fail mode and budget, else the endpoint's. */
  const fromPolicy = (req: ClassifierRequest, endpoint: ClassifierRule): Consultation => ({
    endpoint,
    when: req.classifier.when ?? 'unsure',
    categories: req.classifier.categories ?? endpoint.categories,
    failMode: req.classifier.failMode ?? 'closed',
    timeoutMs: req.classifier.timeoutMs ?? endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    action: req.action,
    policy: req.policy,
    rule: req.rule,
    says: (cats: string) => `${req.message} (classifier ${endpoint.name} judged the request unsafe: ${cats})`,
  });

  return {
    name: 'classifier',
    async onRequest(ctx) {
      const requested = ctx.decision?.classifiers ?? [];
      if (configured.length === 0 && requested.length === 0) return;
      const consultations = [...configured];
      for (const req of requested) {
        const endpoint = byName.get(req.classifier.name);
        if (endpoint) consultations.push(fromPolicy(req, endpoint));
        else
          failed(
            ctx,
            fromPolicy(req, { name: req.classifier.name } as ClassifierRule),
            `classifier "${req.classifier.name}" is not configured on this waypoint`,
          );
      }
      for (const c of consultations) {
        const text = triggerText(c, ctx);
        if (text === undefined) continue;
        const verdict = await verdictOf(ctx, c, text);
        if (!verdict) continue;
        const counts =
          !verdict.safe &&
          (!c.categories?.length || verdict.categories.some((cat) => c.categories?.includes(cat)));
        if (!counts) continue;
        const message = c.says(verdict.categories.join(', ') || 'no category');
        note(ctx, c, message);
        if (c.action === 'BLOCK') {
          if (ctx.decision) ctx.decision = { ...ctx.decision, action: 'BLOCK', risk: 'high' };
          throw policyBlock(`${c.policy}/${c.rule}`, `semamesh: ${message}`);
        }
      }
    },
  };
}
