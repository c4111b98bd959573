// Semantic divergences from OPA that were found and fixed, kept as regression cases, and cases for
// opa 1.22.4's newer syntax (fixtures/language.yaml): each case is checked against its recorded result always, and against the real opa where it is installed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { opaEvalSources, ourEvalValues } from './diff.js';
import { findOpa } from './opa.js';

interface Case {
  name: string;
  modules: string[];
  query: string;
  input?: unknown;
  data?: Record<string, unknown>;
  want?: unknown[];
  want_error?: string;
}

const cases = ['regressions.yaml', 'language.yaml'].flatMap(
  (f) => parseYaml(readFileSync(join(import.meta.dirname, 'fixtures', f), 'utf8')) as Case[],
);
const { skip } = findOpa();

for (const c of cases) {
  const modules = c.modules.map((source, i) => ({ file: `m${i}.rego`, source }));
  test(`${c.name}: recorded result`, () => {
    const ours = ourEvalValues(modules, c.data ?? {}, c.query, c.input);
    if (c.want_error !== undefined) {
      assert.ok('error' in ours && ours.error.includes(c.want_error), JSON.stringify(ours));
    } else assert.deepEqual(ours, c.want);
  });
  test(`${c.name}: same as opa`, { skip }, () => {
    const ours = ourEvalValues(modules, c.data ?? {}, c.query, c.input);
    const theirs = opaEvalSources(modules, c.data ?? {}, c.query, c.input);
    if ('error' in theirs) {
      assert.ok('error' in ours, `opa failed (${theirs.error}) but we returned ${JSON.stringify(ours)}`);
      assert.ok(c.want_error && theirs.error.includes(c.want_error), theirs.error);
    } else assert.deepEqual(ours, theirs);
  });
}
