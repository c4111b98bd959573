// `semamesh version`: prints the version of the CLI and of the runtime it runs on.
import type { Command } from 'commander';
import { emit, outputOption } from '../output.js';
import { VERSION } from '../version.js';

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('print the SemaMesh version')
    .addOption(outputOption(['json', 'yaml']))
    .action((opts: { output: string }) => {
      const info = {
        semamesh: VERSION,
        node: process.versions.node,
        platform: `${process.platform}/${process.arch}`,
      };
      emit(opts.output, info, {
        text: () => `semamesh ${info.semamesh} (node ${info.node}, ${info.platform})`,
      });
    });
}
