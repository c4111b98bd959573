// How to tell the user to run semamesh again: `semamesh` when it runs as the installed bin,
// `npm run semamesh --` when it runs from a checkout through tsx (which has no bin on PATH).
import { basename } from 'node:path';

export function selfCommand(argv1 = process.argv[1] ?? ''): string {
  return /\.ts$/.test(argv1) || basename(argv1) === 'tsx' ? 'npm run semamesh --' : 'semamesh';
}
