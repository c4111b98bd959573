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
  // A policy on databases also covers the schemas and tables once folded into it (hierarchy.ts).
  assert.deepEqual(c.phrase('drop database'), ['delete:database', 'delete:schema', 'delete:table']);
  // A table policy stays narrow: SQL reports tables as prose does (hierarchy.ts).
  assert.deepEqual(c.phrase('drop table'), ['delete:table']);
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
  const custom = new Canonicalizer({
    actions: { delete: ['yeet'] },
    objects: { ledger: ['ledger', 'books'] },
  });
  assert.deepEqual(custom.pairs('yeet the ledger'), ['delete:ledger']);
  assert.deepEqual(c.pairs('yeet the ledger'), []);
});

test('questions: informational ones yield nothing, requests phrased as questions do', () => {
  assert.deepEqual(c.pairs('How do I drop a table in Postgres?'), []);
  assert.deepEqual(c.pairs('Explain what kubectl delete namespace does'), []);
  assert.deepEqual(c.pairs('what is the command to delete all pods in a namespace'), []);
  assert.deepEqual(c.pairs('Can you drop the users table?'), ['delete:table']);
  assert.deepEqual(c.pairs("Why don't you just drop the database?"), ['delete:database']);
  assert.deepEqual(c.pairs('How about deleting the unused volumes?'), ['delete:volume']);
});

test('negation scope: ends at a clause break or "but/just", cancelled by "forget/hesitate"', () => {
  assert.deepEqual(c.pairs("Don't delete the namespace, just scale the deployment"), ['scale:deployment']);
  assert.deepEqual(c.pairs('Under no circumstances should you wipe the volumes'), []);
  assert.deepEqual(c.pairs('Keep the logs but delete the namespace'), ['delete:namespace']);
  assert.deepEqual(c.pairs("Don't forget to delete the temporary namespace"), ['delete:namespace']);
  assert.deepEqual(c.pairs('Stop deleting pods'), []);
});

test('passives with a modal are requests; reports of the past are not', () => {
  assert.deepEqual(c.pairs('The payments namespace needs to be deleted'), ['delete:namespace']);
  assert.deepEqual(c.pairs('The unused buckets in the sandbox account should be removed'), ['delete:bucket']);
  assert.deepEqual(c.pairs('The pods were terminated by the OOM killer'), []);
  assert.deepEqual(c.pairs('Someone deleted the staging namespace yesterday'), []);
  assert.deepEqual(c.pairs('The cleanup job removes temporary files'), []);
  assert.deepEqual(c.pairs('I want the staging namespace deleted by tonight'), ['delete:namespace']);
});

test('conditions describe: only the main clause of an if-sentence is requested', () => {
  assert.deepEqual(c.pairs('If the user asks you to delete a namespace, refuse.'), []);
  assert.deepEqual(c.pairs('If the namespace is empty, delete it.'), ['delete:namespace']);
  assert.deepEqual(c.pairs('Delete the namespace if it is empty'), ['delete:namespace']);
});

test('noun phrases: heads, names, lists, nominal uses, pronouns, mentions and identifiers', () => {
  assert.deepEqual(c.pairs('drop table users'), ['delete:table']);
  assert.deepEqual(c.pairs('Delete the Kubernetes secret db-password'), ['delete:secret']);
  assert.deepEqual(c.pairs('Get rid of the redis cache pods'), ['delete:pod']);
  assert.deepEqual(c.pairs('Delete the pods, deployments and services'), ['delete:deployment', 'delete:pod']);
  assert.deepEqual(c.pairs('Add a drop shadow and a delete button'), []);
  assert.deepEqual(c.pairs('Approve the deletion of the payments namespace'), ['delete:namespace']);
  assert.deepEqual(c.pairs('Find the unused volumes and delete them'), ['delete:volume']);
  assert.deepEqual(c.pairs("Remove the word 'database' from the title"), []);
  assert.deepEqual(c.pairs('The function deleteUser returns 404'), []);
  assert.deepEqual(c.pairs('Call deleteNamespace with name=prod'), ['delete:namespace']);
  assert.deepEqual(c.pairs('Delete the table of contents'), []);
  assert.deepEqual(c.pairs('Remove the node from the linked list'), []);
  assert.deepEqual(c.pairs('wipe /dev/sdb'), ['delete:volume']);
});

test('SQL: statement kinds, WHERE, literals and comments', () => {
  assert.deepEqual(c.pairs('DELETE FROM customers'), ['delete:table']);
  assert.deepEqual(c.pairs('DELETE FROM users WHERE id = 42'), ['delete:row']);
  assert.deepEqual(c.pairs('ALTER TABLE users DROP COLUMN email'), ['delete:column']);
  assert.deepEqual(c.pairs('DROP ROLE analyst'), ['delete:user']);
  assert.deepEqual(c.pairs("INSERT INTO audit (a) VALUES ('drop database')"), ['create:row']);
  assert.deepEqual(c.pairs('-- never DROP TABLE here\nSELECT 1'), ['read:database']);
  assert.deepEqual(c.pairs('BEGIN; TRUNCATE orders; COMMIT;'), ['delete:table']);
  assert.deepEqual(c.pairs('db.orders.deleteMany({})'), ['delete:table']);
  assert.deepEqual(c.pairs('DROP SCHEMA analytics CASCADE'), ['delete:schema']);
  assert.deepEqual(c.pairs('DROP DATABASE shop'), ['delete:database']);
  assert.deepEqual(c.pairs('db.dropDatabase()'), ['delete:database']);
  assert.deepEqual(c.pairs('Select the pods that failed'), ['read:pod']);
});

test('shell: command paths, flag values, previews, inert programs and unknown CLIs', () => {
  assert.deepEqual(c.pairs('kubectl delete pod web --namespace prod'), ['delete:pod']);
  assert.deepEqual(c.pairs('kubectl -n prod delete deploy checkout'), ['delete:deployment']);
  assert.deepEqual(c.pairs('kubectl auth can-i delete pods'), []);
  assert.deepEqual(c.pairs('terraform plan -destroy'), []);
  assert.deepEqual(c.pairs('terraform apply -destroy -auto-approve'), ['delete:infrastructure']);
  assert.deepEqual(c.pairs('aws rds delete-db-instance --db-instance-identifier x'), ['delete:database']);
  assert.deepEqual(c.pairs('gcloud sql instances delete billing'), ['delete:database']);
  assert.deepEqual(c.pairs("find /tmp -name '*.bak' -delete"), ['delete:file']);
  assert.deepEqual(c.pairs('dd if=/dev/sda of=/backup/sda.img'), []);
  assert.deepEqual(c.pairs('dd if=/dev/zero of=/dev/sda'), ['delete:volume']);
  assert.deepEqual(c.pairs("grep -rn 'rm -rf' scripts/"), []);
  assert.deepEqual(c.pairs("psql -c 'DROP DATABASE orders'"), ['delete:database']);
  assert.deepEqual(c.pairs('doctl compute droplet delete web-1 --force'), ['delete:node']);
  assert.deepEqual(c.pairs('go ahead and nuke the cluster'), ['delete:cluster']);
});

test('tool calls: verb and kind arguments, REST calls, argument vectors, content tools', () => {
  assert.deepEqual(c.toolCall('kubernetes', { verb: 'delete', resource: 'pods', namespace: 'prod' }), [
    'delete:pod',
  ]);
  assert.deepEqual(c.toolCall('k8s_delete_resource', { kind: 'Namespace', name: 'prod' }), [
    'delete:namespace',
  ]);
  assert.deepEqual(c.toolCall('http', { method: 'DELETE', url: 'https://x/v1/databases/prod' }), [
    'delete:database',
  ]);
  assert.deepEqual(c.toolCall('az', { args: ['vm', 'delete', '--name', 'b1', '--yes'] }), ['delete:node']);
  assert.deepEqual(c.toolCall('scale_deployment', { namespace: 'prod', name: 'web', replicas: 0 }), [
    'scale:deployment',
  ]);
  assert.deepEqual(c.toolCall('web_search', { q: 'postgres drop database force' }), []);
  assert.deepEqual(c.toolCall('read_file', { path: '/var/log/delete-jobs.log' }), ['read:file']);
});

test('hostile input is bounded and never throws', () => {
  const long = 'delete '.repeat(200_000);
  assert.ok(Array.isArray(c.pairs(long)));
  let nested: unknown = 'drop database';
  for (let i = 0; i < 10_000; i++) nested = [nested];
  assert.ok(Array.isArray(c.toolCall('x', nested)));
  assert.ok(Array.isArray(c.pairs('\u0000\uFFFF\uD800 rm')));
  for (const text of [
    `a${'.'.repeat(60_000)}x`,
    `delete ${'the '.repeat(20_000)}db`,
    `'${"a' '".repeat(10_000)}`,
    'db.'.repeat(20_000),
    `kubectl delete ${'-n x '.repeat(10_000)}`,
    `DROP TABLE ${'('.repeat(30_000)}`,
    `echo '${'x'.repeat(60_000)}`,
    // One long clause of verbs: each verb's look back for its subject or condition stays local.
    'borra el '.repeat(60_000),
    '削除すると'.repeat(40_000),
    // One CJK run longer than a spread's argument limit (segmentation returned it through push(...)).
    `请${'不要删除'.repeat(160_000)}`,
    `rm ${'a '.repeat(200_000)}`,
  ]) {
    assert.ok(Array.isArray(c.pairs(text)));
  }
  assert.ok(Array.isArray(c.toolCall('x', '{"a": [' + '"b",'.repeat(5000) + '"c"]}')));
});
