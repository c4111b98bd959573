// The seam to the controller's pause flow: the waypoint reports a PAUSE decision here and refuses the
// request; freezing the pod is the controller's job.
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
