// The SemaPolicy / SemaQuota status reconciler: after each set compile, every resource gets Ready
// with the compiled revision and its rule count, or CompileFailed with the diagnostic that kept it
// out of the bundle. Compiling is the PolicySetCompiler's job; this writes what it decided.
import type { KubeObject } from '../../kube/index.js';
import type { PolicySetCompiler } from './policy-set.js';
import { keyOf, StallingError, type Step, WaitingError } from './runtime.js';

/** How long a resource waits for a compile that includes its generation before it is checked again. */
const WAIT_MS = 5000;

/** The one sub-step: turn the set compile's outcome for this object into status. */
export function compiledStep(compiler: PolicySetCompiler): Step<KubeObject> {
  return async ({ obj, patcher }) => {
    const key = keyOf(obj);
    const outcome = compiler.outcome(key);
    if (!outcome || outcome.generation !== obj.metadata.generation) {
      compiler.markDirty();
      throw new WaitingError(
        'Progressing',
        `waiting for the policy set to compile generation ${obj.metadata.generation ?? 0}`,
        WAIT_MS,
      );
    }
    if (outcome.state === 'failed') {
      patcher.status.rules = undefined;
      throw new StallingError('CompileFailed', outcome.message);
    }
    if (outcome.state === 'set-failed') throw new StallingError('BundleFailed', outcome.message);
    // SemaQuotaStatus has neither field (the API server would prune them): the revision is in the message.
    const isPolicy = obj.kind === 'SemaPolicy' || obj.kind === 'SemaClusterPolicy';
    if (isPolicy) {
      patcher.status.compiledRevision = outcome.revision;
      patcher.status.rules = outcome.rules;
    }
    const what = isPolicy ? `${outcome.rules} rule${outcome.rules === 1 ? '' : 's'}` : 'quota';
    return { ready: { reason: 'Compiled', message: `${what} compiled into bundle ${outcome.revision}` } };
  };
}
