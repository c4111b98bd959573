// Keeps docs/errors.md and the codes defined in every component's errors.ts in sync, both ways.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const CODE = /SM_ERR_[A-Z0-9_]+/g;

function errorFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) errorFiles(path, out);
    else if (name === 'errors.ts') out.push(path);
  }
  return out;
}

test('every SM_ERR code defined in an errors.ts is documented in docs/errors.md, and vice versa', () => {
  const defined = new Set<string>();
  for (const file of errorFiles(root))
    for (const m of readFileSync(file, 'utf8').match(CODE) ?? []) defined.add(m);
  const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
  const documented = new Set(doc.match(CODE) ?? []);
  const missing = [...defined].filter((c) => !documented.has(c)).sort();
  const stale = [...documented].filter((c) => !defined.has(c)).sort();
  assert.deepEqual(missing, [], `codes missing from docs/errors.md: ${missing.join(', ')}`);
  assert.deepEqual(stale, [], `codes in docs/errors.md that no errors.ts defines: ${stale.join(', ')}`);
});
