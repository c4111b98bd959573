// The request-phase decision: asks the policy engine with the request's features and enforces the
// answer (the waypoint never re-decides; the most severe action is the engine's job).
import type { Decision } from '../../policy/decision.js';
import type { ChainServices, Filter } from '../types.js';
import { decidePhase, enforce, requestInput } from './enforce.js';

export type PolicyOptions = Pick<ChainServices, 'holder' | 'metrics' | 'pauseReporter' | 'log'>;

export function policy(options: PolicyOptions): Filter {
  return {
    name: 'policy',
    // Synchronous when the engine answers synchronously: no promise on the hot path.
    onRequest(ctx) {
      ctx.engine = options.holder.current();
      const apply = (decision: Decision): void => {
        ctx.decision = decision;
        enforce(ctx, decision, 'request', options.pauseReporter, options.log);
      };
      const decision = decidePhase(ctx, options.holder, options, requestInput(ctx));
      if (decision instanceof Promise) return decision.then(apply);
      apply(decision);
    },
  };
}
