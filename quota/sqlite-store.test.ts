// Runs the shared quota store suite against the SQLite store (a fresh database file per test).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteQuotaStore } from './sqlite-store.js';
import { storeSuite } from './store-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'sm-quota-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storeSuite('sqlite', {
  async open() {
    const path = join(dir, `q${n++}.db`);
    return { store: new SqliteQuotaStore({ path }), share: () => new SqliteQuotaStore({ path }) };
  },
});
