// Writes one audit record per exchange (JSON lines): who, which model, tokens, the decisions and
// their reasons, status and latency — never the prompt text unless `auditPrompts` is set.
import type { Filter, WaypointMetricsSink } from '../types.js';

export interface AuditSink {
  write(record: Record<string, unknown>): void;
}

export interface AuditOptions {
  sink: AuditSink;
  metrics: WaypointMetricsSink;
  /** Include the request text in each record (default false). */
  auditPrompts?: boolean;
  /** Write records for plain ALLOW decisions too (default true); AUDIT and refusals always are. */
  includeAllowed?: boolean;
}

export function audit(options: AuditOptions): Filter {
  return {
    name: 'audit',
    onDone(ctx) {
      const seconds = (performance.now() - ctx.startedAt) / 1000;
      options.metrics.request(ctx.provider.name, ctx.api, ctx.status, seconds);
      const notable = ctx.audit || ctx.error !== undefined || ctx.failOpen;
      if (!notable && options.includeAllowed === false) return;
      const d = ctx.decision;
      const record: Record<string, unknown> = {
        id: ctx.id,
        agent: ctx.agent,
        provider: ctx.provider.name,
        api: ctx.api,
        method: ctx.method,
        host: ctx.route.host,
        path: ctx.path,
        model: ctx.request?.model ?? '',
        stream: ctx.request?.stream ?? false,
        tokens: {
          prompt_estimate: ctx.features.tokens.prompt,
          prompt: ctx.usage.prompt ?? null,
          completion: ctx.usage.completion ?? null,
        },
        intents: ctx.features.intents,
        pii: ctx.features.pii,
        decision: d ? { action: d.action, risk: d.risk, reasons: d.reasons } : null,
        responseDecisions: ctx.responseDecisions.map((r) => ({
          action: r.action,
          risk: r.risk,
          reasons: r.reasons,
        })),
        revision: ctx.revision,
        failOpen: ctx.failOpen,
        status: ctx.status,
        error: ctx.error ? { code: ctx.error.code, rule: ctx.error.rule ?? null } : null,
        latencyMs: Math.round((performance.now() - ctx.startedAt) * 1000) / 1000,
        upstreamMs: ctx.upstream ? Math.round(ctx.upstream.headersMs * 1000) / 1000 : null,
      };
      if (options.auditPrompts) record.prompt = ctx.request?.text ?? '';
      // Where the intents of a refused or audited request came from (offsets only, no text).
      if (d && d.action !== 'ALLOW' && ctx.intentSpans) record.intentSpans = ctx.intentSpans();
      options.sink.write(record);
    },
  };
}
