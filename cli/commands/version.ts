// `semamesh version`: prints the version of the CLI and of the runtime it runs on.
import type { Command } from 'commander';
import { VERSION } from '../version.js';

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('print the SemaMesh version')
    .option('-o, --output <format>', 'text or json', 'text')
    .action((opts: { output: string }) => {
      const info = {
        semamesh: VERSION,
        node: process.versions.node,
        platform: `${process.platform}/${process.arch}`,
      };
      if (opts.output === 'json') console.log(JSON.stringify(info));
      else console.log(`semamesh ${info.semamesh} (node ${info.node}, ${info.platform})`);
    });
}
