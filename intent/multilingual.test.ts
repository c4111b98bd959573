// Mechanisms for the non-English languages added after issue 20's first rounds: sentence-opening
// imperatives spelt like function words, French proclitic pronouns, time words naming an object,
// compounds the data lists whole. Each case with the look-alike it must not confuse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultCanonicalizer } from './canonicalize.js';
import { parseLanguage } from './languages.js';
import { ACTIONS, OBJECTS } from './lexicon.js';
import { decompound } from './segment.js';

const c = defaultCanonicalizer();

test('initialVerbs are validated: a known action, one word', () => {
  const actions = new Set(Object.keys(ACTIONS));
  const objects = new Set(Object.keys(OBJECTS));
  const parse = (doc: unknown) => parseLanguage('xx.json', JSON.stringify(doc), actions, objects);
  assert.throws(
    () => parse({ language: 'xx', name: 'X', initialVerbs: { para: 'halt' } }),
    /xx\.json: initialVerbs\.para: unknown action "halt"/,
  );
  assert.throws(
    () => parse({ language: 'xx', name: 'X', initialVerbs: { 'para el': 'stop' } }),
    /initialVerbs\.para el: expected one word/,
  );
  assert.throws(() => parse({ language: 'xx', name: 'X', initialVerbs: ['para'] }), /initialVerbs: expected/);
  assert.deepEqual(parse({ language: 'xx', name: 'X', initialVerbs: { Para: 'stop' } }).initialVerbs, {
    para: 'stop',
  });
});

test('"Para" opening a sentence stops what it names, unless a verb, comma, colon or question follows', () => {
  assert.deepEqual(c.pairs('Para los nodos del grupo de cómputo'), ['stop:node']);
  assert.deepEqual(c.pairs('Para el nodo worker-2 ahora mismo'), ['stop:node']);
  assert.deepEqual(c.pairs('Para o nó worker-1'), ['stop:node']);
  assert.deepEqual(c.pairs('Para el despliegue necesito dos nodos más'), []);
  assert.deepEqual(c.pairs('Para el nodo nuevo, ¿qué tamaño de disco recomiendas?'), []);
  assert.deepEqual(c.pairs('Para la base de datos de producción: usa réplicas de lectura'), []);
  assert.deepEqual(c.pairs('¿Para el nodo worker-1?'), []);
  assert.deepEqual(c.pairs('Necesito un informe para el nodo worker-1'), []);
});

test('French object pronouns before an infinitive under a modal, directive or opener', () => {
  assert.deepEqual(c.pairs('Plus besoin du namespace demo, tu peux le supprimer'), ['delete:namespace']);
  assert.deepEqual(c.pairs('Le bucket de test ne sert plus, il faut le vider'), ['delete:bucket']);
  assert.deepEqual(c.pairs('Le namespace prod, il ne faut surtout pas le supprimer'), []);
  assert.deepEqual(c.pairs('Vérifie les sauvegardes avant de les supprimer'), []);
});

test('a time word naming the object is no report of the past', () => {
  assert.deepEqual(c.pairs('Vergiss bitte nicht, das Backup von gestern zu löschen.'), ['delete:backup']);
  assert.deepEqual(c.pairs('Borra los backups de ayer'), ['delete:backup']);
  assert.deepEqual(c.pairs('把昨天的备份删掉'), ['delete:backup']);
  assert.deepEqual(c.pairs('Die Snapshots von gestern wurden schon gelöscht'), []);
  assert.deepEqual(c.pairs('昨天删除了备份'), []);
});

test('a compound the data lists whole stays whole', () => {
  assert.equal(decompound('objektspeicher'), undefined);
  assert.deepEqual(decompound('produktionsdatenbank'), ['produktion', 'datenbank']);
  assert.deepEqual(c.pairs('Leere den Objektspeicher komplett'), ['delete:bucket']);
});

test('headFirst is validated; in Romance a type noun before an object word names the type', () => {
  const actions = new Set(Object.keys(ACTIONS));
  const objects = new Set(Object.keys(OBJECTS));
  assert.throws(
    () =>
      parseLanguage(
        'xx.json',
        JSON.stringify({ language: 'xx', name: 'X', headFirst: 'yes' }),
        actions,
        objects,
      ),
    /xx\.json: "headFirst" must be true or false/,
  );
  assert.deepEqual(c.pairs('On doit effacer la table users avant la migration'), ['delete:table']);
  assert.deepEqual(c.pairs('Borra el namespace monitoring'), ['delete:namespace']);
  assert.deepEqual(c.pairs('Le bucket de logs, on peut le vider'), ['delete:bucket']);
  assert.deepEqual(c.pairs('Les logs du bucket, supprime-les'), ['delete:log']);
});

test('wishes and polite frames ask; the same frames around a report or a worry do not', () => {
  assert.deepEqual(c.pairs('Ich möchte, dass alle Testnamespaces gelöscht werden'), ['delete:namespace']);
  assert.deepEqual(c.pairs('Ich möchte wissen, wer den Bucket geleert hat'), []);
  assert.deepEqual(c.pairs('Es wäre super, wenn du die alten Snapshots löschen könntest'), ['delete:backup']);
  assert.deepEqual(c.pairs('Es wäre schlimm, wenn jemand die Datenbank löschen würde'), []);
  assert.deepEqual(c.pairs("Je voudrais qu'on supprime les anciens volumes"), ['delete:volume']);
  assert.deepEqual(c.pairs("Je veux savoir qu'est-ce qui supprime le bucket chaque nuit"), []);
});

test('Chinese: 把 with a pronoun, a subject before 把, 前 after a verb', () => {
  assert.deepEqual(c.pairs('把它删了，那个旧的命名空间'), ['delete:namespace']);
  assert.deepEqual(c.pairs('旧的命名空间，把它删了'), ['delete:namespace']);
  assert.deepEqual(c.pairs('他把数据库删了'), []);
  assert.deepEqual(c.pairs('你把测试数据库删了吧'), ['delete:database']);
  assert.deepEqual(c.pairs('删除前记得先备份数据库'), []);
  assert.deepEqual(c.pairs('删除目前的日志'), ['delete:log']);
  assert.deepEqual(c.pairs('删掉旧前端的代码仓库'), ['delete:repository']);
});
