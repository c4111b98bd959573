// Holds the loaded decision engine, swaps it atomically, and turns a missing, failing or slow engine
// into a fail-closed refusal (or a counted fail-open ALLOW when configured). Failures are scoped: when
// only a namespace's own custom Rego failed, fail-open falls back to the shared decision (cluster
// rules and that namespace's data policies) rather than allowing everything.
import { noPolicy, policyError, type WaypointError } from '../errors.js';
import { ACTIONS, type Decision, type DecisionEngine, type DecisionInput } from './decision.js';
import { PolicyFailure } from './wasm-engine.js';

export interface PolicyHolderOptions {
  /** Milliseconds the engine may take for one decision (default 50). */
  timeoutMs?: number;
  /** Answer ALLOW when no decision can be made (default false: refuse). */
  failOpen?: boolean;
  /** Called for every fail-open decision, with why. */
  onFailOpen?: (reason: 'no_policy' | 'policy_error') => void;
  /** Called for every decision the engine could not make (fail-open or not), with why and for whom. */
  onFailure?: (failure: {
    reason: 'timeout' | 'error';
    scope: 'namespace' | 'shared';
    namespace: string;
  }) => void;
}

/** A decision, or the refusal that replaces it when the engine could not decide. */
export type DecisionOutcome =
  | { ok: true; decision: Decision; revision: string; failOpen: boolean }
  | { ok: false; error: WaypointError; revision: string };

const FAIL_OPEN: Decision = {
  action: 'ALLOW',
  risk: 'unknown',
  reasons: [
    { policy: 'semamesh', rule: 'fail-open', message: 'no decision could be made; fail-open is set' },
  ],
  redactions: [],
};

export class PolicyHolder {
  private engine: DecisionEngine | undefined;
  private readonly timeoutMs: number;
  private readonly failOpen: boolean;
  private readonly onFailOpen: PolicyHolderOptions['onFailOpen'];
  private readonly onFailure: PolicyHolderOptions['onFailure'];

  constructor(options: PolicyHolderOptions = {}, engine?: DecisionEngine) {
    this.timeoutMs = options.timeoutMs ?? 50;
    this.failOpen = options.failOpen ?? false;
    this.onFailOpen = options.onFailOpen;
    this.onFailure = options.onFailure;
    this.engine = engine;
  }

  /** Replaces the engine; requests already deciding keep the one they captured. */
  swap(engine: DecisionEngine | undefined): void {
    this.engine = engine;
  }

  get loaded(): boolean {
    return this.engine !== undefined;
  }

  get revision(): string {
    return this.engine?.revision ?? '';
  }

  /** Captures the current engine so one request uses one policy for both phases. */
  current(): DecisionEngine | undefined {
    return this.engine;
  }

  /**
   * Decides with the given engine — the one the request captured with current(), passed explicitly
   * (even when undefined) so a swap mid-request never changes the policy a request is judged by.
   * An engine that answers synchronously (the wasm engine) gets its outcome back synchronously:
   * no promise per layer on the hot path.
   */
  decide(
    input: DecisionInput,
    engine: DecisionEngine | undefined,
  ): DecisionOutcome | Promise<DecisionOutcome> {
    if (!engine) return this.fail('no_policy', noPolicy(), '');
    const revision = engine.revision;
    let answer: Decision | Promise<Decision>;
    try {
      answer = this.run(engine, input, false);
    } catch (err) {
      return this.failed(err, engine, input, revision);
    }
    if (answer instanceof Promise)
      return answer.then(
        (decision): DecisionOutcome => ({ ok: true, decision, revision, failOpen: false }),
        (err: unknown) => this.failed(err, engine, input, revision),
      );
    return { ok: true, decision: answer, revision, failOpen: false };
  }

  /** The outcome when the engine could not decide: a refusal, or fail-open's fallback. */
  private failed(
    err: unknown,
    engine: DecisionEngine,
    input: DecisionInput,
    revision: string,
  ): DecisionOutcome | Promise<DecisionOutcome> {
    const failure = classify(err, input);
    this.onFailure?.(failure);
    const message =
      failure.reason === 'timeout' ? `no answer within ${this.timeoutMs} ms` : errorMessage(err);
    const error = policyError(
      failure.scope === 'namespace' ? `custom Rego of namespace ${failure.namespace}: ${message}` : message,
      err,
    );
    // Only the namespace's own Rego failed: fail-open keeps the shared rules for this agent.
    if (!this.failOpen || failure.scope !== 'namespace') return this.fail('policy_error', error, revision);
    const allowed = (decision: Decision): DecisionOutcome => {
      this.onFailOpen?.('policy_error');
      return { ok: true, decision, revision, failOpen: true };
    };
    const refused = (again: unknown): DecisionOutcome => {
      this.onFailure?.(classify(again, input));
      return this.fail('policy_error', error, revision);
    };
    try {
      const shared = this.run(engine, input, true);
      return shared instanceof Promise ? shared.then(allowed, refused) : allowed(shared);
    } catch (again) {
      return refused(again);
    }
  }

  /** One evaluation under the deadline: passed to the engine (fuel) and enforced on a promise. */
  private run(
    engine: DecisionEngine,
    input: DecisionInput,
    sharedOnly: boolean,
  ): Decision | Promise<Decision> {
    const deadline = this.timeoutMs;
    const answer = engine.decide(input, { timeoutMs: deadline, sharedOnly });
    // Any thenable counts as asynchronous (an engine need not return a native promise).
    if (typeof (answer as { then?: unknown } | null)?.then === 'function')
      return withTimeout(Promise.resolve(answer), deadline).then(checked);
    return checked(answer);
  }

  private fail(
    reason: 'no_policy' | 'policy_error',
    error: WaypointError,
    revision: string,
  ): DecisionOutcome {
    if (!this.failOpen) return { ok: false, error, revision };
    this.onFailOpen?.(reason);
    return { ok: true, decision: FAIL_OPEN, revision, failOpen: true };
  }
}

class TimeoutError extends Error {}

function classify(
  err: unknown,
  input: DecisionInput,
): { reason: 'timeout' | 'error'; scope: 'namespace' | 'shared'; namespace: string } {
  if (err instanceof PolicyFailure) return { reason: err.reason, scope: err.scope, namespace: err.namespace };
  return {
    reason: err instanceof TimeoutError ? 'timeout' : 'error',
    scope: 'shared',
    namespace: input.agent?.namespace ?? '',
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function withTimeout<T>(value: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError('timeout')), ms);
    value.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The engine's answer as a Decision, or an error when it is not one. */
function checked(decision: unknown): Decision {
  if (!isDecision(decision)) throw new Error('the engine returned something that is not a decision');
  return { ...decision, reasons: decision.reasons ?? [], redactions: decision.redactions ?? [] };
}

function isDecision(d: unknown): d is Decision {
  if (d === null || typeof d !== 'object') return false;
  const x = d as Partial<Decision>;
  return ACTIONS.includes(x.action as Decision['action']) && Array.isArray(x.reasons ?? []);
}
