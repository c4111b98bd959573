// Finds OPA's conformance suite, which lives beside the checkout, not in it: tests skip with a printed
// reason where it is absent, except under CI=true (CI always has it beside the clone).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Candidate suite roots (each holding `v1/`): `SEMAMESH_CONFORMANCE_DIR` alone when set, else `../shared`
 * beside the checkout (where CI puts it), then the workplace's shared folder (for git worktrees).
 */
export function conformanceCandidates(): string[] {
  // An explicit setting is the only place looked at, so a wrong one is reported, not bypassed.
  const env = process.env.SEMAMESH_CONFORMANCE_DIR;
  if (env) return [env];
  return [join(REPO_ROOT, '../shared/rego-conformance'), '/work/shared/rego-conformance'];
}

/** The suite's `v1` folder, or undefined when none of the candidates has one. */
export function findConformanceCases(): string | undefined {
  for (const root of conformanceCandidates()) if (existsSync(join(root, 'v1'))) return join(root, 'v1');
  return undefined;
}

/** The `v1` folder, or a skip reason (printed); throws under CI=true when the suite is missing. */
export function conformanceCasesOrSkip():
  | { dir: string; skip?: undefined }
  | { dir?: undefined; skip: string } {
  const dir = findConformanceCases();
  if (dir) return { dir };
  const reason = `the conformance suite is not at ${conformanceCandidates().join(' or ')} (set SEMAMESH_CONFORMANCE_DIR)`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  console.log(`# skipping conformance tests: ${reason}`);
  return { skip: reason };
}
