// The request-phase decision: asks the policy engine with the request's features and enforces the
// answer (the waypoint never re-decides; the most severe action is the engine's job).
import type { ChainServices, Filter } from '../types.js';
import { decidePhase, enforce, requestInput } from './enforce.js';

export type PolicyOptions = Pick<ChainServices, 'holder' | 'metrics' | 'pauseReporter' | 'log'>;

export function policy(options: PolicyOptions): Filter {
  return {
    name: 'policy',
    async onRequest(ctx) {
      ctx.engine = options.holder.current();
      const decision = await decidePhase(ctx, options.holder, options, requestInput(ctx));
      ctx.decision = decision;
      enforce(ctx, decision, 'request', options.pauseReporter, options.log);
    },
  };
}
