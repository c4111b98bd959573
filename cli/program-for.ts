// The bin's program for one invocation: when argv names a long-running server command, only that
// command's module is loaded (`semamesh waypoint` starting on a node must not load the controller,
// GitOps or kubectl-plugin code it never runs); any other invocation gets the full command tree.
import type { Command } from 'commander';

/** Server commands whose start-up time matters, and how to load just their registration. */
const SERVERS: Record<string, () => Promise<(program: Command) => void>> = {
  waypoint: async () => (await import('./commands/waypoint.js')).registerWaypoint,
  up: async () => (await import('./commands/up.js')).registerUp,
  'node-agent': async () => (await import('./commands/node-agent.js')).registerNodeAgent,
  controller: async () => (await import('./commands/controller.js')).registerController,
};

export async function programFor(argv: readonly string[]): Promise<Command> {
  const load = SERVERS[argv[2] ?? ''];
  const { baseProgram } = await import('./program-base.js');
  if (!load) return (await import('./program.js')).createProgram();
  const program = baseProgram();
  (await load())(program);
  return program;
}
