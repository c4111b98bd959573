// Golden tests: each fixtures/<name>.rego must parse to fixtures/<name>.ast.json (locations stripped)
// and print as fixtures/<name>.printed.rego. Regenerate with UPDATE_GOLDEN=1 after a deliberate change.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatDiagnostic, parseModule, printModule, stripLocations } from './index.js';

const dir = join(import.meta.dirname, 'fixtures');
const update = process.env.UPDATE_GOLDEN === '1';
const sources = readdirSync(dir).filter((f) => f.endsWith('.rego') && !f.endsWith('.printed.rego'));

describe('golden fixtures', () => {
  it('has fixtures', () => assert.ok(sources.length >= 8));
  for (const name of sources) {
    const base = name.slice(0, -'.rego'.length);
    it(base, () => {
      const { module, diagnostics } = parseModule(readFileSync(join(dir, name), 'utf8'), name);
      assert.deepEqual(diagnostics.map(formatDiagnostic), []);
      assert.ok(module);
      const ast = stripLocations(module);
      const printed = printModule(module);
      const astFile = join(dir, `${base}.ast.json`);
      const printedFile = join(dir, `${base}.printed.rego`);
      if (update) {
        writeFileSync(astFile, `${JSON.stringify(ast, null, 2)}\n`);
        writeFileSync(printedFile, printed);
      }
      assert.deepEqual(ast, JSON.parse(readFileSync(astFile, 'utf8')));
      assert.equal(printed, readFileSync(printedFile, 'utf8'));
      const again = parseModule(printed, name);
      assert.deepEqual(again.diagnostics, []);
      assert.deepEqual(stripLocations(again.module), ast);
    });
  }
});
