// Tests that manifests validate and that every problem is reported with its code at the exact line and column.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Diagnostic, validateDocuments } from './index.js';

const root = new URL('..', import.meta.url).pathname;
const fixtures = new URL('./fixtures/', import.meta.url).pathname;

function check(file: string) {
  return validateDocuments(readFileSync(join(fixtures, file), 'utf8'), `fixtures/${file}`);
}

/** The fields a user sees, without the message wording. */
const where = (d: Diagnostic) => ({ file: d.file, line: d.line, col: d.col, code: d.code });

test('the shipped examples validate without errors', () => {
  const files = ['sample-policy.yaml', 'sample-quota.yaml', 'sample-policy-source.yaml'];
  for (const name of files) {
    const report = validateDocuments(readFileSync(join(root, 'examples', name), 'utf8'), `examples/${name}`);
    assert.deepEqual(report.diagnostics, [], name);
    assert.equal(report.documents.length, 1);
    assert.equal(report.documents[0].type, 'semamesh');
    assert.equal(report.documents[0].valid, true);
  }
});

test('the reference policy is the one the README promises', () => {
  const text = readFileSync(join(root, 'examples/sample-policy.yaml'), 'utf8');
  const [doc] = validateDocuments(text, 'sample-policy.yaml').documents;
  assert.equal(doc.kind, 'SemaPolicy');
  assert.equal(doc.name, 'prevent-unauthorized-deletion');
  const rule = (doc.object as { spec: { rules: Record<string, unknown>[] } }).spec.rules[0];
  assert.equal(rule.name, 'prevent-unauthorized-deletion');
  assert.deepEqual(rule.intentMatches, ['delete namespace', 'terminate node', 'drop database']);
  assert.equal(rule.riskLevel, 'Critical');
  assert.equal(rule.action, 'BLOCK');
  assert.equal(typeof rule.message, 'string');
});

test('a wrong field type points at the value', () => {
  const r = check('wrong-type.yaml');
  assert.deepEqual(r.diagnostics.map(where), [
    { file: 'fixtures/wrong-type.yaml', line: 7, col: 13, code: 'SM_ERR_API_SCHEMA' },
  ]);
  assert.match(r.diagnostics[0].message, /spec\.priority: expected integer, got string "high"/);
  assert.equal(r.diagnostics[0].path, 'spec.priority');
  assert.equal(r.errors, 1);
});

test('an unknown action names the allowed ones', () => {
  const r = check('unknown-action.yaml');
  assert.deepEqual(r.diagnostics.map(where), [
    { file: 'fixtures/unknown-action.yaml', line: 13, col: 15, code: 'SM_ERR_API_SCHEMA' },
  ]);
  assert.match(r.diagnostics[0].message, /"DENY" is not one of ALLOW, AUDIT, REDACT, BLOCK, PAUSE/);
});

test('an unknown field points at its key, and the missing field at the parent map', () => {
  const r = check('unknown-field.yaml');
  assert.deepEqual(r.diagnostics.map(where), [
    { file: 'fixtures/unknown-field.yaml', line: 8, col: 7, code: 'SM_ERR_API_SCHEMA' },
    { file: 'fixtures/unknown-field.yaml', line: 11, col: 7, code: 'SM_ERR_API_UNKNOWN_FIELD' },
  ]);
  assert.match(r.diagnostics[0].message, /missing required field "action"/);
  assert.match(r.diagnostics[1].message, /unknown field "acton" \(did you mean "action"\?\)/);
});

test('broken YAML syntax is reported where the yaml parser places it', () => {
  const text = [
    'apiVersion: semamesh.io/v1alpha1',
    'kind: SemaPolicy',
    'metadata:',
    '  name: broken',
    'spec:',
    '  rules:',
    '    - name: no-deletes',
    '      intentMatches: [delete namespace, drop database',
    '      riskLevel: Critical',
    '',
  ].join('\n');
  const r = validateDocuments(text, 'broken.yaml');
  assert.ok(r.errors >= 1);
  assert.deepEqual(where(r.diagnostics[0]), {
    file: 'broken.yaml',
    line: 9,
    col: 7,
    code: 'SM_ERR_API_YAML_SYNTAX',
  });
  assert.match(r.diagnostics[0].message, /Flow sequence .* end with a \]/);
  assert.doesNotMatch(r.diagnostics[0].message, /\n/);
  assert.equal(r.documents[0].type, 'invalid');
});

test('a duplicate key is a syntax error at the second key', () => {
  const r = validateDocuments('apiVersion: v1\nkind: ConfigMap\nkind: Secret\n', 'dup.yaml');
  assert.deepEqual(r.diagnostics.map(where), [
    { file: 'dup.yaml', line: 3, col: 1, code: 'SM_ERR_API_YAML_SYNTAX' },
  ]);
});

test('multi-document files: other groups get a note, each of our documents is checked', () => {
  const r = check('multi-document.yaml');
  const f = 'fixtures/multi-document.yaml';
  assert.deepEqual(r.diagnostics.map(where), [
    { file: f, line: 2, col: 1, code: 'SM_NOTE_API_IGNORED' },
    { file: f, line: 18, col: 15, code: 'SM_ERR_API_SCHEMA' },
    { file: f, line: 19, col: 15, code: 'SM_ERR_API_SCHEMA' },
    { file: f, line: 23, col: 7, code: 'SM_ERR_API_UNKNOWN_KIND' },
    { file: f, line: 36, col: 18, code: 'SM_ERR_API_REGEX' },
    { file: f, line: 37, col: 11, code: 'SM_ERR_API_CONSTRAINT' },
  ]);
  assert.equal(r.diagnostics[0].severity, 'note');
  assert.match(
    r.diagnostics[0].message,
    /Kustomization \(kustomize\.toolkit\.fluxcd\.io\/v1\) is not a SemaMesh resource/,
  );
  assert.match(r.diagnostics[2].message, /spec\.limits\[0\]\.tokens: integer -5 must be >= 0/);
  assert.match(r.diagnostics[4].message, /negative lookbehind/);
  assert.equal(r.errors, 5);
  assert.deepEqual(
    r.documents.map((d) => [d.type, d.kind, d.line]),
    [
      ['ignored', undefined, 2],
      ['semamesh', 'SemaQuota', 12],
      ['invalid', undefined, 22],
      ['semamesh', 'SemaPolicy', 27],
    ],
  );
});

test('type meta problems: not a map, half a type meta, unknown version', () => {
  const list = validateDocuments('- a\n- b\n', 'list.yaml');
  assert.deepEqual(list.diagnostics.map(where), [
    { file: 'list.yaml', line: 1, col: 1, code: 'SM_ERR_API_TYPE_META' },
  ]);

  const noKind = validateDocuments('apiVersion: semamesh.io/v1alpha1\nmetadata: {name: x}\n', 'nokind.yaml');
  assert.equal(noKind.diagnostics[0].code, 'SM_ERR_API_TYPE_META');
  assert.match(noKind.diagnostics[0].message, /missing or empty "kind"/);

  const v = validateDocuments('apiVersion: semamesh.io/v2\nkind: SemaPolicy\n', 'v2.yaml');
  assert.deepEqual(v.diagnostics.map(where), [
    { file: 'v2.yaml', line: 1, col: 13, code: 'SM_ERR_API_UNKNOWN_VERSION' },
  ]);

  const plain = validateDocuments('replicas: 3\nimage: nginx\n', 'values.yaml');
  assert.deepEqual(
    plain.diagnostics.map((d) => [d.code, d.severity]),
    [['SM_NOTE_API_IGNORED', 'note']],
  );
  assert.equal(plain.errors, 0);
});

test('an empty value points at its key; a missing spec points at the document', () => {
  const r = validateDocuments(
    'apiVersion: semamesh.io/v1alpha1\nkind: SemaQuota\nmetadata:\n  name: q\nspec:\n',
    'q.yaml',
  );
  assert.deepEqual(r.diagnostics.map(where), [
    { file: 'q.yaml', line: 5, col: 1, code: 'SM_ERR_API_SCHEMA' },
  ]);
  assert.match(r.diagnostics[0].message, /spec: expected object, got an empty value/);

  const noSpec = validateDocuments(
    '# c\napiVersion: semamesh.io/v1alpha1\nkind: SemaQuota\nmetadata: {name: q}\n',
    'n.yaml',
  );
  assert.deepEqual(noSpec.diagnostics.map(where), [
    { file: 'n.yaml', line: 2, col: 1, code: 'SM_ERR_API_SCHEMA' },
  ]);
  assert.match(noSpec.diagnostics[0].message, /missing required field "spec"/);
});

test('duplicate rule names are caught locally, as the API server would (list-type map)', () => {
  const text = `apiVersion: semamesh.io/v1alpha1
kind: SemaPolicy
metadata: {name: p}
spec:
  rules:
    - {name: a, intentMatches: [x], riskLevel: Low, action: AUDIT}
    - {name: a, intentMatches: [y], riskLevel: Low, action: AUDIT}
`;
  const r = validateDocuments(text, 'p.yaml');
  assert.deepEqual(r.diagnostics.map(where), [
    { file: 'p.yaml', line: 7, col: 7, code: 'SM_ERR_API_CONSTRAINT' },
  ]);
  assert.match(r.diagnostics[0].message, /name "a" is already used by entry \[0\]/);
});

test('empty documents and comment-only files are fine', () => {
  assert.deepEqual(validateDocuments('', 'e.yaml').diagnostics, []);
  assert.deepEqual(validateDocuments('# only a comment\n', 'c.yaml').diagnostics, []);
  const r = validateDocuments('---\n---\napiVersion: v1\nkind: ConfigMap\n---\n', 'd.yaml');
  assert.equal(r.errors, 0);
  assert.equal(r.documents.length, 1);
});

test('an alias bomb is refused with a diagnostic, not expanded', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 12; i++)
    lines.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(', ')}]`,
    );
  const r = validateDocuments(lines.join('\n'), 'bomb.yaml');
  assert.equal(r.errors, 1);
  assert.equal(r.diagnostics[0].code, 'SM_ERR_API_YAML_SYNTAX');
});

test('never throws, whatever the input', () => {
  const inputs = [
    '\u0000\u0001',
    '{',
    ']]]',
    'apiVersion: [',
    '!!binary xyz',
    'a: !custom 1',
    'apiVersion: semamesh.io/v1alpha1\nkind: SemaPolicy\nspec: 5\n',
    'apiVersion: semamesh.io/v1alpha1\nkind: 7\n',
    'apiVersion: 3\nkind: SemaPolicy\n',
    '? [a, b]\n: c\n',
    'apiVersion: semamesh.io/v1alpha1\nkind: SemaIncident\nmetadata: {name: i}\nspec: {agent: *x}\n',
    '\t- tab',
    '---\n...\n---\n',
    'x'.repeat(100000),
  ];
  for (const text of inputs) {
    const r = validateDocuments(text, 'fuzz.yaml');
    for (const d of r.diagnostics) {
      assert.ok(d.line >= 1 && d.col >= 1, JSON.stringify(d));
      assert.match(d.code, /^SM_(ERR|NOTE)_API_/);
    }
  }
});

test('the fixtures directory holds only files that are meant to fail', () => {
  for (const name of readdirSync(fixtures)) assert.ok(check(name).errors > 0, name);
});
