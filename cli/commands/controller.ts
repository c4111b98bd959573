// `semamesh controller`: the cluster controller process (Deployment) behind the CLI, so one image
// serves every process. Flags are parsed by the process itself (`semamesh controller --help`).
import type { Command } from 'commander';

export function registerController(program: Command): void {
  program
    .command('controller')
    .description(
      'run the controller: reconcilers, bundle service, GitOps, leader election (--help for flags)',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[flags...]')
    .action(async (flags: string[]) => {
      const { runController } = await import('../../controller/main.js');
      await runController(flags);
    });
}
