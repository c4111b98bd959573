// The default filter chain, in order. Adding a filter is one folder under filters/ and one line here.
import type { Registry } from 'prom-client';
import type { PauseReporter } from '../policy/pause-reporter.js';
import type { UpstreamClient } from '../upstream/client.js';
import { type AuditSink, audit } from './audit/index.js';
import { type CacheOptions, type CacheResult, responseCache } from './cache/index.js';
import { type ClassifierRule, classifier } from './classifier/index.js';
import { forward } from './forward/index.js';
import { type Identify, identity } from './identity/index.js';
import { intent } from './intent/index.js';
import { parse } from './parse/index.js';
import { policy } from './policy/index.js';
import { type QuotaBackend, quotaFilters } from './quota/index.js';
import { type RedactOptions, redact } from './redact/index.js';
import { tokens } from './tokens/index.js';
import { toolCalls } from './tool-calls/index.js';
import type { ChainServices, Filter } from './types.js';

export interface ChainOptions extends ChainServices {
  upstream: UpstreamClient;
  audit: AuditSink;
  auditPrompts?: boolean;
  identify?: Identify;
  quota?: QuotaBackend;
  /** The exact response cache in the forward stage's place (off when absent). */
  cache?: CacheOptions & { metrics?: { cache(result: CacheResult): void } };
  redact?: RedactOptions;
  maxJsonDepth?: number;
  /** Fresh characters one request may have analysed (see filters/intent). */
  analysisBudgetChars?: number;
  pauseReporter: PauseReporter;
  /** Guard-model classifiers: consulted after the policy decision on their trigger, or when a rule names one. */
  classifiers?: ClassifierRule[];
}

export function defaultChain(o: ChainOptions): Filter[] {
  const quota = quotaFilters({ backend: o.quota, tokenizers: o.tokenizers, log: o.log });
  const send = forward({ upstream: o.upstream, metrics: o.metrics });
  return [
    identity({ identify: o.identify }),
    parse({ maxDepth: o.maxJsonDepth }),
    tokens({ tokenizers: o.tokenizers, metrics: o.metrics }),
    intent({ canonicalizer: o.canonicalizer, budgetChars: o.analysisBudgetChars }),
    quota.reserve,
    // guard: the reservation's rate-limit headers go on refusals and upstream replies alike.
    quota.guard(policy(o)),
    // Always present: a SemaPolicy rule may name a classifier even when the configuration has none.
    quota.guard(
      classifier({ rules: o.classifiers ?? [], registry: (o.metrics as { registry?: Registry }).registry }),
    ),
    quota.guard(redact(o.redact)),
    quota.guard(o.cache ? responseCache({ ...o.cache, forward: send }) : send),
    quota.guard(toolCalls(o)),
    audit({ sink: o.audit, metrics: o.metrics, auditPrompts: o.auditPrompts }),
  ];
}
