// Compiles the whole set of SemaPolicies and SemaQuotas (every namespace) into one bundle, debounced
// so a burst of changes compiles once; a resource that does not compile is left out so the rest
// still ships, and the last good bundle keeps serving when the set as a whole fails.
import { createHash } from 'node:crypto';
import type { SemaClusterPolicy, SemaClusterQuota, SemaPolicy, SemaQuota } from '../../api/index.js';
import { compileResources, type Diagnostic, formatDiagnostic, resourceKey } from '../../engine/index.js';
import { errorText } from '../errors.js';

/** How one resource fared in the latest compile. */
export type ResourceOutcome =
  | { state: 'compiled'; generation?: number; revision: string; rules: number }
  | { state: 'failed'; generation?: number; message: string }
  | { state: 'set-failed'; generation?: number; message: string; revision?: string };

export interface CompileReport {
  revision?: string;
  published: boolean;
  included: number;
  failed: number;
  diagnostics: Diagnostic[];
  durationMs: number;
}

type AnyPolicy = SemaPolicy | SemaClusterPolicy;
type AnyQuota = SemaQuota | SemaClusterQuota;

export interface PolicySetOptions {
  /** Namespaced and cluster-scoped policies; tenancy is decided by kind (engine/semapolicy). */
  policies: () => AnyPolicy[];
  quotas: () => AnyQuota[];
  /** Ships a compiled bundle (sign, then BundleServer.publish); called only when the revision changes. */
  publish: (bundle: Uint8Array, revision: string) => void | Promise<void>;
  /** Called after every compile with the ids (`Kind/ns/name`) whose outcome is now known. */
  onCompiled?: (report: CompileReport, keys: string[]) => void;
  onError?: (err: unknown) => void;
  /** Quiet period before a compile. Default 150 ms. */
  debounceMs?: number;
  /** A steady stream of changes still compiles at least this often. Default 2 s. */
  maxDelayMs?: number;
}

/** The engine's id: `<ns>/<name>`, or `<Kind>/<name>` for the cluster kinds. */
const policyKey = resourceKey;

/** The work-queue key of an object (reconcilers/runtime.ts keyOf). */
const statusKey = (o: { kind?: string; metadata: { namespace?: string; name?: string } }) =>
  `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

const generationOf = (o: { metadata: object }): number | undefined =>
  (o.metadata as { generation?: number }).generation;

/** The resource a diagnostic points at: `SemaPolicy/<ns>/<name>` or `custom/<ns>/<name>.rego`. */
export function diagnosticOwner(d: Diagnostic): string | undefined {
  const file = d.location?.file ?? '';
  let m = /^SemaPolicy\/([^/]+\/[^/]+)$/.exec(file);
  if (m) return m[1];
  m = /^custom\/([^/]+\/[^/]+)\.rego$/.exec(file);
  return m ? m[1] : undefined;
}

/** Revision = content hash of what went into the bundle, so equal inputs give an equal revision. */
export function contentRevision(policies: AnyPolicy[], quotas: AnyQuota[]): string {
  const h = createHash('sha256');
  for (const p of policies) h.update(`P\u0000${policyKey(p)}\u0000${JSON.stringify(p.spec)}\u0000`);
  for (const q of quotas) h.update(`Q\u0000${policyKey(q)}\u0000${JSON.stringify(q.spec)}\u0000`);
  return `sha256-${h.digest('hex').slice(0, 20)}`;
}

export class PolicySetCompiler {
  private readonly outcomes = new Map<string, ResourceOutcome>();
  /** The last version of each policy that compiled: it stays enforced while a newer one is broken. */
  private readonly lastGood = new Map<string, AnyPolicy>();
  private timer: NodeJS.Timeout | undefined;
  private firstDirtyAt = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private enabled = false;
  /** Open syncs (GitOps applying a revision): no compile until each is done and visible. */
  private holds = 0;
  /** Syncs done whose objects the caches may not show yet, each with the time it stops waiting. */
  private settling: { ready: () => boolean; until: number }[] = [];
  private recheck: NodeJS.Timeout | undefined;
  /** Compiles skipped because a sync was open or settling (tests, metrics). */
  deferred = 0;
  private readonly debounceMs: number;
  private readonly maxDelayMs: number;
  /** Last revision shipped, and counters for metrics and the bench. */
  lastRevision: string | undefined;
  compiles = 0;
  publishes = 0;
  firstPublishAt: number | undefined;
  lastPublishAt: number | undefined;

  constructor(private readonly o: PolicySetOptions) {
    this.debounceMs = o.debounceMs ?? 150;
    this.maxDelayMs = o.maxDelayMs ?? 2000;
  }

  /** Leader only: compiles happen while enabled. */
  setEnabled(on: boolean): void {
    this.enabled = on;
    // A new term publishes afresh: the bundle server dropped what this replica served before.
    if (on) this.lastRevision = undefined;
    if (on) this.markDirty();
    else if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Outcome for `SemaPolicy/<ns>/<name>` or `SemaQuota/<ns>/<name>`. */
  outcome(key: string): ResourceOutcome | undefined {
    return this.outcomes.get(key);
  }

  /**
   * A sync starts: nothing compiles until the returned release is called — with a readiness check
   * (the caches show every object of the sync) to wait for, up to `settleMs`, or without one when
   * the sync failed. One sync of N objects thus publishes one complete bundle, not a run of partial
   * ones as the objects arrive.
   */
  hold(settleMs = 30_000, maxHoldMs = 300_000): (ready?: () => boolean) => void {
    this.holds++;
    let released = false;
    // A sync that hangs (API server gone) must not stop compiles for good.
    const expiry = setTimeout(() => release(), maxHoldMs);
    expiry.unref?.();
    const release = (ready?: () => boolean) => {
      if (released) return;
      released = true;
      clearTimeout(expiry);
      this.holds--;
      if (ready) this.settling.push({ ready, until: Date.now() + settleMs });
      this.markDirty();
    };
    return release;
  }

  /** True when no sync is open and every finished sync is visible (or gave up waiting). */
  private gateOpen(): boolean {
    if (this.holds > 0) return false;
    const now = Date.now();
    this.settling = this.settling.filter((s) => !s.ready() && s.until > now);
    return this.settling.length === 0;
  }

  /** Something changed: compile after the quiet period (or the max delay, whichever is first). */
  markDirty(): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!this.timer) this.firstDirtyAt = now;
    else clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.debounceMs, this.firstDirtyAt + this.maxDelayMs - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, wait);
    this.timer.unref?.();
  }

  /** Compiles now (tests, start-up); resolves when the compile (and any queued rerun) is done. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.kick();
    while (this.running) await this.running;
  }

  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    if (!this.gateOpen()) {
      // Informer events re-kick as objects arrive; the timer covers a settle that only times out.
      this.deferred++;
      if (!this.recheck && this.enabled) {
        this.recheck = setTimeout(() => {
          this.recheck = undefined;
          this.kick();
        }, 100);
        this.recheck.unref?.();
      }
      return;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          if (!this.enabled) break;
          try {
            await this.compileOnce();
          } catch (err) {
            this.o.onError?.(err);
          }
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
  }

  private async compileOnce(): Promise<void> {
    const t0 = performance.now();
    this.compiles++;
    const policies = [...this.o.policies()].sort((a, b) => (policyKey(a) < policyKey(b) ? -1 : 1));
    const quotas = [...this.o.quotas()].sort((a, b) => (policyKey(a) < policyKey(b) ? -1 : 1));
    const failed = new Map<string, Diagnostic[]>();
    let included = policies;
    let result = compileResources(
      { policies: included, quotas },
      { revision: contentRevision(included, quotas) },
    );
    // Diagnostics name their resource: the culprit's last good generation (if any) stands in for it,
    // else it is left out, and the rest compiles again.
    for (let round = 0; round < 5 && !result.bundle; round++) {
      const culprits = this.attribute(result.diagnostics, included, quotas);
      if (culprits.size === 0) break;
      included = included.flatMap((p) => {
        const id = policyKey(p);
        const ds = culprits.get(id);
        if (!ds) return [p];
        if (failed.has(id)) return []; // its last good generation failed too (in this combination)
        failed.set(id, ds);
        const good = this.lastGood.get(id);
        return good && JSON.stringify(good.spec) !== JSON.stringify(p.spec) ? [good] : [];
      });
      result = compileResources(
        { policies: included, quotas },
        { revision: contentRevision(included, quotas) },
      );
    }
    const revision = result.bundle ? contentRevision(included, quotas) : undefined;
    if (revision) {
      const current = new Set(policies.map(policyKey));
      for (const id of this.lastGood.keys()) if (!current.has(id)) this.lastGood.delete(id);
      for (const p of included) if (!failed.has(policyKey(p))) this.lastGood.set(policyKey(p), p);
    }
    let published = false;
    if (result.bundle && revision && revision !== this.lastRevision) {
      await this.o.publish(result.bundle, revision);
      this.lastRevision = revision;
      published = true;
      this.publishes++;
      this.lastPublishAt = Date.now();
      this.firstPublishAt ??= this.lastPublishAt;
    }
    const setMessage = result.bundle
      ? ''
      : `the policy set does not compile (the last good bundle ${this.lastRevision ?? '(none yet)'} keeps serving): ${result.diagnostics
          .slice(0, 3)
          .map(formatDiagnostic)
          .join('; ')}`;
    this.outcomes.clear();
    const keys: string[] = [];
    const { policies: clusterRules, namespaces } = result.data.semamesh;
    for (const p of policies) {
      const id = policyKey(p);
      const key = statusKey(p);
      const compiled = clusterRules[id] ?? namespaces[p.metadata?.namespace ?? '']?.policies[id];
      keys.push(key);
      const generation = generationOf(p);
      const ds = failed.get(id);
      if (ds) {
        const good = this.lastGood.get(id);
        const kept =
          good && revision && included.some((x) => policyKey(x) === id)
            ? `\n(generation ${generationOf(good) ?? 0} stays enforced in bundle ${revision})`
            : '\n(not enforced: no generation of this policy has compiled)';
        this.outcomes.set(key, {
          state: 'failed',
          generation,
          message: ds.map(formatDiagnostic).join('\n') + kept,
        });
      } else if (!revision) this.outcomes.set(key, { state: 'set-failed', generation, message: setMessage });
      else
        this.outcomes.set(key, {
          state: 'compiled',
          generation,
          revision,
          rules: compiled?.rules.length ?? 0,
        });
    }
    for (const q of quotas) {
      const key = statusKey(q);
      keys.push(key);
      const generation = generationOf(q);
      this.outcomes.set(
        key,
        revision
          ? { state: 'compiled', generation, revision, rules: 0 }
          : { state: 'set-failed', generation, message: setMessage },
      );
    }
    this.o.onCompiled?.(
      {
        revision,
        published,
        included: included.length,
        failed: failed.size,
        diagnostics: result.diagnostics,
        durationMs: performance.now() - t0,
      },
      keys,
    );
  }

  /**
   * Which policies the diagnostics belong to. A diagnostic that names no resource (a problem only
   * the combination shows) is pinned down by compiling the custom-Rego policies one by one.
   */
  private attribute(
    diagnostics: Diagnostic[],
    included: AnyPolicy[],
    quotas: AnyQuota[],
  ): Map<string, Diagnostic[]> {
    const out = new Map<string, Diagnostic[]>();
    const ids = new Set(included.map(policyKey));
    let orphan = false;
    for (const d of diagnostics) {
      const id = diagnosticOwner(d);
      if (id && ids.has(id)) out.set(id, [...(out.get(id) ?? []), d]);
      else orphan = true;
    }
    if (out.size > 0 || !orphan) return out;
    for (const p of included.filter((x) => x.spec.rego)) {
      try {
        const alone = compileResources({ policies: [p], quotas });
        if (!alone.bundle) out.set(policyKey(p), alone.diagnostics);
      } catch (err) {
        out.set(policyKey(p), [{ code: 'rego_compile_error', message: errorText(err) }]);
      }
    }
    return out;
  }
}
