// The default filter chain, in order. Adding a filter is one folder under filters/ and one line here.
import type { PauseReporter } from '../policy/pause-reporter.js';
import type { UpstreamClient } from '../upstream/client.js';
import { type AuditSink, audit } from './audit/index.js';
import { forward } from './forward/index.js';
import { type Identify, identity } from './identity/index.js';
import { intent } from './intent/index.js';
import { parse } from './parse/index.js';
import { policy } from './policy/index.js';
import { type QuotaBackend, quota } from './quota/index.js';
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
  redact?: RedactOptions;
  maxJsonDepth?: number;
  pauseReporter: PauseReporter;
}

export function defaultChain(o: ChainOptions): Filter[] {
  return [
    identity({ identify: o.identify }),
    parse({ maxDepth: o.maxJsonDepth }),
    tokens({ tokenizers: o.tokenizers, metrics: o.metrics }),
    intent({ canonicalizer: o.canonicalizer }),
    quota({ backend: o.quota }),
    policy(o),
    redact(o.redact),
    forward({ upstream: o.upstream, metrics: o.metrics }),
    toolCalls(o),
    audit({ sink: o.audit, metrics: o.metrics, auditPrompts: o.auditPrompts }),
  ];
}
