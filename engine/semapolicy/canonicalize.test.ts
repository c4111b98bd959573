// Unit tests of the intent canonicalizer: stemming, pairing, negation, tool calls and hostile input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Canonicalizer, defaultCanonicalizer, stem, tokenize } from './canonicalize.js';

const c = defaultCanonicalizer();

test('stemming maps inflections of one word to one stem', () => {
  for (const group of [
    ['delete', 'deletes', 'deleted', 'deleting'],
    ['drop', 'drops', 'dropped', 'dropping'],
    ['database', 'databases'],
    ['kill', 'killed', 'killing'],
    ['db', 'dbs'],
  ]) {
    assert.equal(new Set(group.map(stem)).size, 1, `${group.join(',')} → ${group.map(stem).join(',')}`);
  }
});

test('tokenize folds case, width (NFKC), camelCase and punctuation', () => {
  assert.deepEqual(tokenize('ＤＲＯＰ Database'), ['drop', 'databas']);
  assert.deepEqual(tokenize('deleteNamespace'), ['delet', 'namespac']);
  assert.deepEqual(tokenize("don't"), ['dont']);
});

test('policy phrases canonicalize to action:object pairs', () => {
  assert.deepEqual(c.phrase('delete namespace'), ['delete:namespace']);
  assert.deepEqual(c.phrase('terminate node'), ['delete:node']);
  assert.deepEqual(c.phrase('drop database'), ['delete:database']);
});

test('the reference prompt matches the reference intent', () => {
  assert.ok(c.pairs('I want to delete the production database').includes('delete:database'));
  assert.ok(c.pairs('the prod database should be dropped').includes('delete:database'));
});

test('benign text and near-misses produce no destructive pair', () => {
  for (const text of [
    'Hello world',
    'how do I back up a database',
    'drop me a line about the database migration',
    'Can you remove the typo in the database docs?',
    'do not delete the database',
    'never drop the users table',
  ]) {
    assert.ok(!c.pairs(text).some((p) => p.startsWith('delete:')), `${text} → ${c.pairs(text).join(',')}`);
  }
});

test('tool calls: names, shell commands, SQL and nested JSON arguments', () => {
  assert.ok(c.toolCall('shell', { command: 'kubectl delete ns prod' }).includes('delete:namespace'));
  assert.ok(c.toolCall('run_sql', '{"query":"DROP DATABASE billing"}').includes('delete:database'));
  assert.ok(c.toolCall('bash', { cmd: 'sudo rm -rf /var/lib/data' }).includes('delete:file'));
  assert.ok(c.toolCall('delete_namespace', { name: 'prod' }).includes('delete:namespace'));
  assert.deepEqual(c.toolCall('get_weather', { city: 'Paris' }), []);
});

test('extra vocabulary from a bundle extends the lexicon', () => {
  const custom = new Canonicalizer({ actions: { delete: ['yeet'] }, objects: { ledger: ['ledger', 'books'] } });
  assert.deepEqual(custom.pairs('yeet the ledger'), ['delete:ledger']);
  assert.deepEqual(c.pairs('yeet the ledger'), []);
});

test('hostile input is bounded and never throws', () => {
  const long = 'delete '.repeat(200_000);
  assert.ok(Array.isArray(c.pairs(long)));
  let nested: unknown = 'drop database';
  for (let i = 0; i < 10_000; i++) nested = [nested];
  assert.ok(Array.isArray(c.toolCall('x', nested)));
  assert.ok(Array.isArray(c.pairs('\u0000\uFFFF\uD800 rm')));
});
