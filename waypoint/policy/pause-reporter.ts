// The seam to the controller's pause flow: the waypoint reports a PAUSE decision here and refuses the
// request; freezing the pod is the controller's job.
import { request } from 'node:http';
import type { AgentIdentity } from './decision.js';

export interface PauseReport {
  agent: AgentIdentity;
  rule: string;
  reason: string;
  /** SHA-256 of the request body, so the incident can be tied to the audit log without the prompt. */
  requestDigest: string;
}

export interface PauseReporter {
  report(report: PauseReport): void | Promise<void>;
}

/** The default until the controller implements the flow: writes the report to the given logger. */
export function loggingPauseReporter(log: (obj: object, msg: string) => void): PauseReporter {
  return {
    report(report) {
      log({ pause: report }, 'semamesh:waypoint:pause requested');
    },
  };
}

/** A transport failure (node agent restarting, socket not there yet): worth another attempt. */
class Unreachable extends Error {}

function post(socketPath: string, body: string, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: '/pause',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode === 201) return resolve();
          const text = Buffer.concat(chunks).toString('utf8').slice(0, 500);
          reject(new Error(`the node agent refused the PAUSE report (${res.statusCode}): ${text}`));
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer')));
    req.on('error', (err) =>
      reject(new Unreachable(`cannot report PAUSE to the node agent at ${socketPath}: ${err.message}`)),
    );
    req.end(body);
  });
}

/**
 * Cluster mode without an API token: PAUSE goes to the node agent over its unix socket (POST /pause,
 * controller/node-agent-reports.ts), which resolves the pod from the connection's origin sent here
 * (the cgroup id the redirect recorded, the peer address) and opens the SemaIncident. A node agent
 * that cannot be reached (restarting) is tried again after each of `retryDelaysMs`; a refusal is
 * final. Rejects with the last reason, so the waypoint logs why.
 */
export function nodeAgentPauseReporter(
  socketPath: string,
  options: { timeoutMs?: number; retryDelaysMs?: number[] } = {},
): PauseReporter {
  const delays = options.retryDelaysMs ?? [250, 1000, 4000];
  return {
    async report(report) {
      const { agent } = report;
      const body = JSON.stringify({
        agent: { cgroup: agent.cgroup, address: agent.address, namespace: agent.namespace, pod: agent.pod },
        rule: report.rule,
        reason: report.reason,
        requestDigest: report.requestDigest,
      });
      for (let attempt = 0; ; attempt++) {
        try {
          return await post(socketPath, body, options.timeoutMs ?? 10_000);
        } catch (err) {
          if (!(err instanceof Unreachable) || attempt >= delays.length) throw err;
          await new Promise((r) => setTimeout(r, delays[attempt]));
        }
      }
    },
  };
}
