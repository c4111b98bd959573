// How `semamesh up` records a PAUSE decision: an incident in the local store, awaiting a human in
// the console. A module of its own so that a worker of `up --workers N`, which serves no console,
// records incidents without loading the console or the controller's entry module.
import type { IncidentStore } from '../../controller/pause/incidents.js';
import type { PauseReporter } from '../../waypoint/index.js';
import { defaultIncidentStore } from './incident-store-path.js';

export function localPauseReporter(store: IncidentStore): PauseReporter {
  return {
    async report(r) {
      // An HTTP agent of `semamesh up` has no cgroup the waypoint knows: the request is refused and
      // the incident waits for a human; `semamesh exec` agents are frozen by exec's own reporter.
      // `namespace/policy/rule` (or `policy` alone when the rule is named like it).
      const cut = r.rule.lastIndexOf('/');
      const policy = cut > 0 ? r.rule.slice(0, cut) : r.rule;
      const rule = cut > 0 ? r.rule.slice(cut + 1) : r.rule;
      const incident = await store.create({
        agent: {
          cgroup: r.agent.cgroup ?? '',
          namespace: r.agent.namespace || undefined,
          pod: r.agent.pod || undefined,
          command: r.agent.address,
        },
        policy,
        rule,
        reason: r.reason,
        action: 'PAUSE',
        requestDigest: r.requestDigest,
      });
      await store.update(incident.id, (i) => {
        i.phase = 'Paused';
      });
    },
  };
}

/** The incident store of local mode (`--incident-store`), the one its console reads. */
export async function openIncidentStore(opts: { incidentStore?: string }): Promise<IncidentStore> {
  const { IncidentStore } = await import('../../controller/pause/incidents.js');
  return new IncidentStore(opts.incidentStore ?? defaultIncidentStore());
}

/** The incident store a worker opens: the one its primary's console reads (`--incident-store`). */
export async function workerPauseReporter(opts: { incidentStore?: string }): Promise<PauseReporter> {
  return localPauseReporter(await openIncidentStore(opts));
}
