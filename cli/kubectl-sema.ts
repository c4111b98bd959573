#!/usr/bin/env node
// Entry point of the `kubectl sema` plugin (kubectl finds `kubectl-sema` on PATH).
import { Command } from 'commander';
import { VERSION } from './version.js';

const program = new Command('kubectl-sema')
  .description('Inspect and decide SemaMesh incidents and policies from kubectl.')
  .version(VERSION, '-V, --version')
  .showHelpAfterError();

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
