#!/usr/bin/env node
// Entry point of the `semamesh` binary: parses argv and dispatches to the subcommands.
import { programFor } from './program-for.js';

programFor(process.argv)
  .then((program) => program.parseAsync(process.argv))
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
