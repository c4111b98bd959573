// Prometheus metrics of the node agent (served at /metrics on its health port): process defaults plus
// how many pods it holds frozen and how many it intercepts.
import { Gauge, Registry } from 'prom-client';
import { registerProcessMetrics } from '../waypoint/index.js';

export function nodeAgentMetrics(view: { frozen: () => number; intercepted: () => number }): Registry {
  const registry = new Registry();
  registerProcessMetrics(registry);
  new Gauge({
    name: 'semamesh_node_agent_frozen_pods',
    help: 'Pods whose cgroups this node agent holds frozen (paused agents awaiting a human).',
    registers: [registry],
    collect() {
      this.set(view.frozen());
    },
  });
  new Gauge({
    name: 'semamesh_node_agent_intercepted_pods',
    help: 'Pods on this node whose LLM connections are redirected to the waypoint.',
    registers: [registry],
    collect() {
      this.set(view.intercepted());
    },
  });
  return registry;
}
