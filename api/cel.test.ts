// Tests that the CRDs' CEL rules run through cel-js locally: every rule shape of a SemaPolicy validates or
// fails with a located, coded diagnostic, and no rule in any CRD is left without an evaluation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { compileCelRule, evaluateCelRule } from './cel.js';
import { KINDS } from './constants.js';
import { crdFor } from './crd.js';
import { API_ERROR_CODES, validateDocuments } from './index.js';

function policyWith(rule: Record<string, unknown>): string {
  const doc = {
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaPolicy',
    metadata: { name: 'p', namespace: 'default' },
    spec: { rules: [{ name: 'r', riskLevel: 'High', action: 'BLOCK', ...rule }] },
  };
  return stringify(doc);
}

test('a rule with only textMatches or only toolMatches validates (it used to crash at 1:1)', () => {
  for (const rule of [
    { textMatches: [{ literal: 'BEGIN PRIVATE KEY' }] },
    { toolMatches: [{ name: 'shell' }] },
    { intentMatches: ['drop database'] },
    { intentMatches: [], textMatches: [{ regex: 'AKIA[0-9A-Z]{16}' }] },
  ]) {
    const report = validateDocuments(policyWith(rule), 'p.yaml');
    assert.deepEqual(report.diagnostics, [], JSON.stringify(rule));
    assert.equal(report.documents[0].valid, true);
  }
});

test('a rule that matches nothing fails with SM_ERR_API_CONSTRAINT at the rule', () => {
  for (const rule of [{}, { intentMatches: [] }, { intentMatches: [], toolMatches: [], textMatches: [] }]) {
    const report = validateDocuments(policyWith(rule), 'p.yaml');
    const d = report.diagnostics.find((x) => x.code === API_ERROR_CODES.CONSTRAINT);
    assert.ok(d, `no constraint error for ${JSON.stringify(rule)}: ${JSON.stringify(report.diagnostics)}`);
    assert.match(d.message, /at least one intentMatches, toolMatches or textMatches/);
    assert.equal(d.path, 'spec.rules[0]');
    assert.ok(d.line > 1, 'located at the rule, not at 1:1');
  }
});

test('every combination of present, empty, null and mistyped match fields gives coded, located errors', () => {
  const values: unknown[] = [undefined, [], null, 'drop database', 7, { a: 1 }, [null], [7]];
  const shapes = {
    intentMatches: (v: unknown) => v,
    toolMatches: (v: unknown) => v,
    textMatches: (v: unknown) => v,
  };
  const codes = new Set<string>(Object.values(API_ERROR_CODES));
  let cases = 0;
  for (const a of values)
    for (const b of values)
      for (const c of values) {
        const rule: Record<string, unknown> = {};
        if (a !== undefined) rule.intentMatches = shapes.intentMatches(a);
        if (b !== undefined) rule.toolMatches = shapes.toolMatches(b);
        if (c !== undefined) rule.textMatches = shapes.textMatches(c);
        const report = validateDocuments(policyWith(rule), 'p.yaml');
        cases++;
        for (const d of report.diagnostics) {
          assert.ok(codes.has(d.code), d.code);
          assert.notEqual(d.code, API_ERROR_CODES.YAML_SYNTAX, `${JSON.stringify(rule)}: ${d.message}`);
          assert.notEqual(d.code, API_ERROR_CODES.VALIDATOR, `${JSON.stringify(rule)}: ${d.message}`);
          assert.ok(d.path?.startsWith('spec.rules[0]'), `${JSON.stringify(rule)}: ${d.path} ${d.message}`);
        }
        // A rule with nothing usable to match must never pass.
        const usable = [a, b, c].some((v) => Array.isArray(v) && v.length > 0);
        if (!usable) assert.ok(report.errors > 0, `accepted ${JSON.stringify(rule)}`);
      }
  assert.equal(cases, values.length ** 3);
});

test('every CEL rule of every CRD parses with cel-js', () => {
  let rules = 0;
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    const n = node as Record<string, unknown>;
    for (const v of (n['x-kubernetes-validations'] as { rule: string }[] | undefined) ?? []) {
      rules++;
      const p = compileCelRule(v.rule);
      assert.ok(!(p instanceof Error), `${v.rule}: ${p instanceof Error ? p.message : ''}`);
    }
    for (const child of Object.values(n)) visit(child);
  };
  for (const kind of KINDS) visit(crdFor(kind));
  assert.ok(rules >= 6, `only ${rules} CEL rules found`);
});

test('a rule that errors at runtime counts as failed, with the reason', () => {
  const outcome = evaluateCelRule('size(self.missing) > 0', {}, { type: 'object' });
  assert.equal(outcome.ok, false);
  assert.ok(!outcome.ok && /missing|key/i.test(outcome.error ?? ''), JSON.stringify(outcome));
  assert.deepEqual(evaluateCelRule('self +', 1, undefined).ok, false);
});

test('schema defaults are visible to rules, as after API server defaulting', () => {
  const schema = { type: 'object', properties: { max: { type: 'integer', default: 5 } } };
  assert.deepEqual(evaluateCelRule('self.max == 5', {}, schema), { ok: true });
  assert.deepEqual(evaluateCelRule('self.max == 5', { max: 5 }, schema), { ok: true });
});
