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
