// The `semamesh` CLI: parses argv and dispatches to the subcommands (the bin, cli/semamesh.ts, and
// the bundle scripts/bundle.mjs builds both start here).
import { programFor } from './program-for.js';

programFor(process.argv)
  .then((program) => program.parseAsync(process.argv))
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
