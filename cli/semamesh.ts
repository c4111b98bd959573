#!/usr/bin/env node
// Entry point of the `semamesh` binary: parses argv and dispatches to the subcommands.
import { createProgram } from './program.js';

createProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
