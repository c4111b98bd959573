// Test helpers shared by the quota tests: SemaQuota builders, agents, and a throwaway redis-server.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import type { SemaQuota, SemaQuotaSpec } from '../api/index.js';
import { freePort as freeHostPort } from '../bpf/src/test-env.js';
import type { AgentRef } from './selector.js';

export function quota(name: string, spec: SemaQuotaSpec, namespace = 'agents'): SemaQuota {
  return { apiVersion: 'semamesh.io/v1alpha1', kind: 'SemaQuota', metadata: { name, namespace }, spec };
}

export function agent(pod = 'bot-1', labels: Record<string, string> = { app: 'bot' }): AgentRef {
  return { namespace: 'agents', pod, serviceAccount: 'bot', labels };
}

/** 2026-01-15T12:00:00Z: a fixed instant well inside a month, day and hour. */
export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

/** Outside the ephemeral range: see bpf/src/test-env.ts freePort. */
function freePort(): Promise<number> {
  return freeHostPort('127.0.0.1');
}

export function redisServerPath(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path ? path : undefined;
}

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/** Starts Debian's redis-server on 127.0.0.1 and a free port, without persistence. */
export async function startRedis(binary: string): Promise<RedisServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
