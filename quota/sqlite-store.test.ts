// Runs the shared quota store suite against the SQLite store (a fresh database file per test).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteQuotaStore } from './sqlite-store.js';
import { storeSuite } from './store-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'sm-quota-sqlite-'));
// Every handle is closed before the process exits: a database left open with prepared statements
// crashes Node 24 at teardown inside better-sqlite3 12 (its destructor runs after the environment).
const handles: SqliteQuotaStore[] = [];
const open = (path: string) => {
  const store = new SqliteQuotaStore({ path });
  handles.push(store);
  return store;
};
after(async () => {
  for (const h of handles.splice(0)) await h.close();
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;

storeSuite('sqlite', {
  async open() {
    const path = join(dir, `q${n++}.db`);
    return { store: open(path), share: () => open(path) };
  },
});
