// Tests the render stage on directories written to disk: what is applied, what is skipped, and
// where each problem is reported (file:line:col, custom Rego lines included).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { policyYaml, QUOTA_YAML } from '../testing/manifests.js';
import { digestOf, formatRenderDiagnostic, renderDirectory } from './render.js';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'semamesh-render-'));
  roots.push(root);
  for (const [p, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, p)), { recursive: true });
    await writeFile(join(root, p), text);
  }
  return root;
}

const CUSTOM = (body: string) => `apiVersion: semamesh.io/v1alpha1
kind: SemaPolicy
metadata:
  name: custom
spec:
  rules:
    - name: r
      intentMatches: [drop database]
      riskLevel: Low
      action: AUDIT
  rego: |
    package mine
    deny contains msg if {
${body}
    }
`;

describe('renderDirectory', () => {
  test('renders our kinds with the default namespace, notes other kinds, and compiles a bundle', async () => {
    const root = await tree({
      'policies/a.yaml': `${policyYaml('a', 'm')}---\n${QUOTA_YAML}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n`,
      'policies/sub/b.yml': policyYaml('b', 'm', 'team-b'),
      'policies/src.yaml':
        'apiVersion: semamesh.io/v1alpha1\nkind: SemaPolicySource\nmetadata: {name: nested}\nspec: {url: "https://example.com/r.git"}\n',
      'policies/notes.txt': 'not yaml',
      'other/c.yaml': policyYaml('c', 'outside the path'),
    });
    const r = await renderDirectory({ root, path: 'policies', defaultNamespace: 'team-a' });
    assert.equal(r.errors, 0, r.diagnostics.map(formatRenderDiagnostic).join('\n'));
    assert.deepEqual(
      r.objects.map(
        (o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}@${o.source.file}:${o.source.line}`,
      ),
      [
        'SemaPolicy/team-a/a@policies/a.yaml:1',
        'SemaQuota/team-a/team-budget@policies/a.yaml:13',
        'SemaPolicy/team-b/b@policies/sub/b.yml:1',
      ],
    );
    assert.deepEqual(
      r.diagnostics.map((d) => `${d.file}:${d.severity}:${d.code}`),
      ['policies/a.yaml:note:SM_NOTE_API_IGNORED', 'policies/src.yaml:note:SM_NOTE_API_IGNORED'],
    );
    assert.ok(r.bundle && r.bundle.length > 1000);
    assert.equal(r.files, 3);
  });

  test('the digest ignores file order and formatting but not content', async () => {
    const a = await renderDirectory({
      root: await tree({ 'x.yaml': policyYaml('a', 'm'), 'y.yaml': policyYaml('b', 'm') }),
      path: '.',
      defaultNamespace: 'n',
      skipCompile: true,
    });
    const b = await renderDirectory({
      root: await tree({
        'all.yaml': `${policyYaml('b', 'm')}---\n${policyYaml('a', 'm')}`.replace(
          'spec:',
          '# comment\nspec:',
        ),
      }),
      path: '.',
      defaultNamespace: 'n',
      skipCompile: true,
    });
    const c = await renderDirectory({
      root: await tree({ 'x.yaml': policyYaml('a', 'other'), 'y.yaml': policyYaml('b', 'm') }),
      path: '.',
      defaultNamespace: 'n',
      skipCompile: true,
    });
    assert.equal(a.digest, b.digest);
    assert.notEqual(a.digest, c.digest);
    assert.equal(digestOf([]), digestOf([]));
  });

  test('schema errors, YAML errors and duplicates are errors at file:line:col, and no bundle is built', async () => {
    const root = await tree({
      'bad.yaml': policyYaml('bad', 'x').replace('riskLevel: Critical', 'riskLevel: Apocalyptic'),
      'broken.yaml': 'apiVersion: semamesh.io/v1alpha1\nkind: SemaPolicy\nmetadata: {name: [unclosed\n',
      'dup.yaml': `${policyYaml('a', 'one')}---\n${policyYaml('a', 'two')}`,
    });
    const r = await renderDirectory({ root, path: '.', defaultNamespace: 'n' });
    const lines = r.diagnostics.filter((d) => d.severity === 'error').map(formatRenderDiagnostic);
    assert.equal(r.bundle, undefined);
    assert.ok(
      lines.some((l) => l.startsWith('bad.yaml:9:18: SM_ERR_API_SCHEMA')),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => l.startsWith('broken.yaml:4:1') && l.includes('SM_ERR_API_YAML_SYNTAX')),
      lines.join('\n'),
    );
    assert.ok(
      lines.some(
        (l) => l.startsWith('dup.yaml:13:1: SM_ERR_GITOPS_INVALID_CONTENT') && l.includes('dup.yaml:1'),
      ),
      lines.join('\n'),
    );
  });

  test('a Rego syntax error in spec.rego is reported at its line in the YAML file', async () => {
    const root = await tree({ 'custom.yaml': CUSTOM('      msg := "x" +') });
    const r = await renderDirectory({ root, path: '.', defaultNamespace: 'n' });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(errors.length, 1, r.diagnostics.map(formatRenderDiagnostic).join('\n'));
    assert.equal(errors[0].code, 'rego_parse_error');
    assert.equal(`${errors[0].file}:${errors[0].line}`, 'custom.yaml:15');
    const ok = await renderDirectory({
      root: await tree({ 'custom.yaml': CUSTOM('      msg := "x"') }),
      path: '.',
      defaultNamespace: 'n',
    });
    assert.equal(ok.errors, 0, ok.diagnostics.map(formatRenderDiagnostic).join('\n'));
  });

  test('a Rego compile error points at the spec.rego block of the right file', async () => {
    const root = await tree({ 'ok.yaml': policyYaml('fine', 'm'), 'custom.yaml': CUSTOM('      msg := y') });
    const r = await renderDirectory({ root, path: '.', defaultNamespace: 'n' });
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    assert.ok(errors.length > 0);
    for (const e of errors) assert.equal(`${e.file}:${e.line}`, 'custom.yaml:12', formatRenderDiagnostic(e));
    assert.ok(errors.some((e) => e.message.includes('unsafe')));
  });
});
