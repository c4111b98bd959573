// The core and command vocabularies are data (intent/data/*.json): the loader accepts the shipped
// files and refuses a malformed one with the file and the entry.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { COMMANDS, OBJECT_PARENTS } from './lexicon.js';
import { DATA_DIR, loadCommands, loadCore, parseCommands, parseCore } from './vocabulary.js';

const coreSource = readFileSync(`${DATA_DIR}core.json`, 'utf8');
const commandsSource = readFileSync(`${DATA_DIR}commands.json`, 'utf8');
const actions = new Set(Object.keys(loadCore().actions));
const objects = new Set(Object.keys(loadCore().objects));

test('the shipped vocabulary loads, aliases resolve and the hierarchy names known objects', () => {
  const core = loadCore();
  const commands = loadCommands(core);
  assert.ok(core.actions.delete.includes('drop'));
  assert.equal(commands.commands.oc, commands.commands.kubectl);
  assert.equal(commands.commands.kubectl.objects?.ns, 'namespace');
  assert.equal(COMMANDS.tofu, COMMANDS.terraform);
  assert.equal(OBJECT_PARENTS.table, 'schema');
});

test('a malformed core file is refused with its entry', () => {
  const edit = (f: (d: Record<string, unknown>) => void) => {
    const d = JSON.parse(coreSource);
    f(d);
    return JSON.stringify(d);
  };
  assert.throws(() => parseCore('core.json', '{'), /core.json: not JSON/);
  assert.throws(
    () =>
      parseCore(
        'core.json',
        edit((d) => (d.extra = [])),
      ),
    /unknown key "extra"/,
  );
  assert.throws(
    () =>
      parseCore(
        'core.json',
        edit((d) => delete d.negations),
      ),
    /missing "negations"/,
  );
  assert.throws(
    () =>
      parseCore(
        'core.json',
        edit((d) => ((d.negations as unknown[])[2] = 7)),
      ),
    /core.json: negations\[2\]: expected a word/,
  );
  assert.throws(
    () =>
      parseCore(
        'core.json',
        edit((d) => ((d.objectParents as Record<string, string>).table = 'shelf')),
      ),
    /objectParents.table: unknown "shelf"/,
  );
  assert.throws(
    () =>
      parseCore(
        'core.json',
        edit((d) => (d.weakObjects as string[]).push('teapot')),
      ),
    /weakObjects: "teapot" is not an object word/,
  );
});

test('a malformed command file is refused with its entry', () => {
  const edit = (f: (c: Record<string, unknown>) => void) => {
    const d = JSON.parse(commandsSource);
    f(d.commands);
    return JSON.stringify(d);
  };
  const parse = (s: string) => parseCommands('commands.json', s, actions, objects);
  assert.throws(() => parse(edit((c) => (c.oc = 'kubeclt'))), /commands.oc: "kubeclt" is not a command/);
  assert.throws(
    () => parse(edit((c) => (c.rm = { action: 'obliterate' }))),
    /commands.rm.action: unknown action/,
  );
  assert.throws(
    () => parse(edit((c) => (c.helm = { verbs: { nuke: 'delete:galaxy' } }))),
    /commands.helm.verbs.nuke: unknown "delete:galaxy"/,
  );
  assert.throws(() => parse(edit((c) => (c.rm = { depth: -1 }))), /commands.rm.depth: expected a count/);
  assert.throws(() => parse(edit((c) => (c.rm = { color: 'red' }))), /commands.rm: unknown key "color"/);
});
