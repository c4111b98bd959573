// `semamesh node-agent`: the per-node process (DaemonSet) that freezes and checkpoints paused agent
// pods. Flags are parsed by the process itself (`semamesh node-agent --help`).
import type { Command } from 'commander';

export function registerNodeAgent(program: Command): void {
  program
    .command('node-agent')
    .description('run the node agent: pods on this node, freeze and checkpoint on PAUSE (--help for flags)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[flags...]')
    .action(async (flags: string[]) => {
      const { runNodeAgent } = await import('../../controller/node-agent.js');
      await runNodeAgent(flags);
    });
}
