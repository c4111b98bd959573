// Which better-sqlite3 this Node can run. Version 12 wraps its objects in node::ObjectWrap, whose
// destructor in Node ≥ 22 removes an environment cleanup hook: when the garbage collector frees a
// prepared statement where no environment is current (at teardown, or a GC outside any context),
// Node aborts with "Assertion failed: (env) != nullptr". Version 13 is built on Node-API, whose
// finalizers have no such hazard, but it requires Node ≥ 22 and crashes on Node 20. So: 12 on Node
// 20, 13 (installed under the alias better-sqlite3-napi, prebuilt, no compiler needed) from 22 on.
// Both have the same JavaScript API; the types come from @types/better-sqlite3.
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);

/** The Node major version from which the Node-API build is used. */
export const NAPI_SQLITE_FROM_NODE = 22;

export function sqliteDriverFor(nodeVersion: string): 'better-sqlite3' | 'better-sqlite3-napi' {
  const major = Number(nodeVersion.split('.')[0]);
  return major >= NAPI_SQLITE_FROM_NODE ? 'better-sqlite3-napi' : 'better-sqlite3';
}

export const sqliteDriver = sqliteDriverFor(process.versions.node);
const Database: typeof BetterSqlite3 = require(sqliteDriver);
export default Database;
