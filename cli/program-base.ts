// The `semamesh` root command without subcommands: name, description, version and help settings.
import { Command } from 'commander';
import { VERSION } from './version.js';

export function baseProgram(): Command {
  return new Command('semamesh')
    .description('Govern autonomous AI agents: policy engine, LLM waypoint, eBPF interception.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
}
