import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database, { sqliteDriver, sqliteDriverFor } from './sqlite-driver.js';

test('Node 20 gets better-sqlite3 12; Node 22 and later the Node-API build (13)', () => {
  assert.equal(sqliteDriverFor('20.20.2'), 'better-sqlite3');
  assert.equal(sqliteDriverFor('22.0.0'), 'better-sqlite3-napi');
  assert.equal(sqliteDriverFor('24.21.0'), 'better-sqlite3-napi');
  assert.equal(sqliteDriver, sqliteDriverFor(process.versions.node));
});

test('the driver this Node loads opens a database and runs statements', () => {
  const db = new Database(':memory:');
  try {
    db.exec('CREATE TABLE t (a INTEGER)');
    const ins = db.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 100; i++) ins.run(i);
    assert.deepEqual(db.prepare('SELECT count(*) AS n, sum(a) AS s FROM t').get(), { n: 100, s: 4950 });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'memory');
  } finally {
    db.close();
  }
});
