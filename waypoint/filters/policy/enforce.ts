// Turns a decision into what the waypoint does: nothing, an audit mark, a redaction mark, or a coded
// refusal (403 block, 429 throttle with RateLimit headers, 403 pause + a report to the controller).
import { createHash } from 'node:crypto';
import { policyBlock, policyPause, throttled } from '../../errors.js';
import {
  type Decision,
  type DecisionInput,
  engineNeeds,
  primaryMessage,
  primaryRule,
} from '../../policy/decision.js';
import type { DecisionOutcome, PolicyHolder } from '../../policy/holder.js';
import { requestFor } from '../../policy/input-needs.js';
import type { PauseReporter } from '../../policy/pause-reporter.js';
import type { ChainServices, RequestContext } from '../types.js';

export function enforce(
  ctx: RequestContext,
  decision: Decision,
  phase: 'request' | 'response',
  pauseReporter: PauseReporter,
  log: ChainServices['log'],
): void {
  const rule = primaryRule(decision);
  const message = primaryMessage(decision);
  switch (decision.action) {
    case 'ALLOW':
      return;
    case 'AUDIT':
      ctx.audit = true;
      return;
    case 'REDACT':
      ctx.audit = true;
      if (phase === 'request') ctx.redact = true;
      return;
    case 'BLOCK':
      throw policyBlock(rule, `blocked by SemaMesh policy ${rule}: ${message}`);
    case 'THROTTLE': {
      const retry = Math.max(1, Math.ceil(decision.retryAfterSeconds ?? 1));
      const name = rule.replace(/[^\w.-]/g, '_');
      const limit = Number(ctx.quota.limit ?? 0);
      const window = Number(ctx.quota.windowSeconds ?? retry);
      throw throttled(rule, `throttled by SemaMesh policy ${rule}: ${message}`, {
        'retry-after': String(retry),
        'ratelimit-policy': `"${name}";q=${limit};w=${window}`,
        ratelimit: `"${name}";r=0;t=${retry}`,
      });
    }
    case 'PAUSE': {
      const report = {
        agent: ctx.agent,
        rule,
        reason: message,
        requestDigest: createHash('sha256').update(ctx.rawBody).digest('hex'),
      };
      void Promise.resolve()
        .then(() => pauseReporter.report(report))
        .catch((err: unknown) => log.warn({ err, rule }, 'semamesh:waypoint:pause report failed'));
      throw policyPause(rule, `agent paused by SemaMesh policy ${rule}: ${message}`);
    }
  }
}

/**
 * Builds the decision input, asks the holder with the request's captured engine, records metrics.
 * Synchronous when the engine is (see PolicyHolder.decide).
 */
export function decidePhase(
  ctx: RequestContext,
  holder: PolicyHolder,
  services: Pick<ChainServices, 'metrics'>,
  input: DecisionInput,
): Decision | Promise<Decision> {
  const t0 = performance.now();
  // Both phases go through here: the conversation's text goes in only for a policy that reads it.
  const needs = engineNeeds(ctx.engine);
  if (!needs.text || !needs.messages) input = { ...input, request: requestFor(input.request, needs) };
  const settle = (outcome: DecisionOutcome): Decision => {
    const seconds = (performance.now() - t0) / 1000;
    if (!outcome.ok) {
      services.metrics.decision('ERROR', input.phase, seconds);
      throw outcome.error;
    }
    if (outcome.failOpen) ctx.failOpen = true;
    ctx.revision = outcome.revision;
    services.metrics.decision(outcome.decision.action, input.phase, seconds);
    return outcome.decision;
  };
  const outcome = holder.decide(input, ctx.engine);
  return outcome instanceof Promise ? outcome.then(settle) : settle(outcome);
}

export function requestInput(ctx: RequestContext): DecisionInput {
  return {
    agent: ctx.agent,
    request: ctx.request,
    features: ctx.features,
    quota: ctx.quota,
    phase: 'request',
  };
}
