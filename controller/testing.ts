// Test helpers for the controller's end-to-end tests: a controller configuration on free local
// ports without leader election, and a poll-until helper (waiting is not a timed assertion).
import type { ControllerConfig } from './main.js';

export function testControllerConfig(extra: Partial<ControllerConfig> = {}): ControllerConfig {
  return {
    namespace: 'semamesh-system',
    bundleName: 'semamesh',
    bundleHost: '127.0.0.1',
    bundlePort: 0,
    signingKeySecretKey: 'signing.key',
    signingKeyId: 'semamesh',
    metricsHost: '127.0.0.1',
    metricsPort: 0,
    leaderElection: false,
    leaseName: 'semamesh-controller',
    leaseDurationMs: 2000,
    identity: 'test',
    debounceMs: 20,
    pauseTimeoutMs: 120_000,
    gitops: false,
    gitopsWorkDir: '/tmp/semamesh-gitops-test',
    ...extra,
  };
}

/** Polls `fn` until it returns something other than undefined/false; throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
