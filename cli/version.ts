// The SemaMesh version, read once from package.json so there is a single source.
import { readFileSync } from 'node:fs';

function findVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'semamesh' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate: the layout differs between tsx (source) and dist/
    }
  }
  return '0.0.0-unknown';
}

export const VERSION = findVersion();
