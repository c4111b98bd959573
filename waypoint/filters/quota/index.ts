// The quota seam: reserves budget before the decision and settles on real usage afterwards. Without a
// backend (until the quota issue lands) it passes everything and leaves `input.quota` empty.
import type { Filter, RequestContext } from '../types.js';

export interface QuotaBackend {
  /** Returns the quota document the policy sees (limits, remaining, reservation id…). */
  reserve(ctx: RequestContext): Record<string, unknown> | Promise<Record<string, unknown>>;
  settle(ctx: RequestContext): void | Promise<void>;
}

export interface QuotaOptions {
  backend?: QuotaBackend;
}

export function quota(options: QuotaOptions = {}): Filter {
  const { backend } = options;
  if (!backend) return { name: 'quota' };
  return {
    name: 'quota',
    async onRequest(ctx) {
      ctx.quota = await backend.reserve(ctx);
    },
    onDone(ctx) {
      void Promise.resolve(backend.settle(ctx)).catch(() => undefined);
    },
  };
}
