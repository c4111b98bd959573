// Structural-schema pruning, defaulting and validation messages for custom resources.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileSchema, fieldPath } from './schema.js';

const schema = compileSchema({
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'integer', minimum: 1 },
        mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
        interval: { type: 'string', format: 'duration' },
        items: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, weight: { type: 'integer', default: 1 } },
          },
        },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
  },
});

describe('custom resource schema', () => {
  test('prune drops undeclared fields but keeps preserved and additionalProperties maps', () => {
    const obj = {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n', anything: 1 },
      top: 1,
      spec: {
        size: 1,
        typo: true,
        free: { any: { deep: 1 } },
        labels: { a: 'b' },
        items: [{ name: 'i', junk: 1 }],
      },
    };
    schema.prune(obj);
    assert.deepEqual(obj, {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n', anything: 1 },
      spec: { size: 1, free: { any: { deep: 1 } }, labels: { a: 'b' }, items: [{ name: 'i' }] },
    });
  });

  test('defaults fill missing fields inside existing objects and list items', () => {
    const obj: Record<string, unknown> = { spec: { size: 2, items: [{ name: 'i' }] } };
    schema.applyDefaults(obj);
    assert.deepEqual(obj, { spec: { size: 2, mode: 'a', items: [{ name: 'i', weight: 1 }] } });
    const none: Record<string, unknown> = {};
    schema.applyDefaults(none);
    assert.deepEqual(none, {}, 'no parent object is created for a default');
  });

  test('validation causes use Kubernetes field paths, reasons and messages', () => {
    const causes = schema.validate({
      spec: { size: 'big', mode: 'c', interval: '5 minutes', items: [{ name: 'i' }, { name: 'i' }] },
    });
    const byField = Object.fromEntries(causes.map((c) => [c.field, c]));
    assert.equal(byField['spec.size']?.reason, 'FieldValueTypeInvalid');
    assert.equal(
      byField['spec.size']?.message,
      'Invalid value: "string": spec.size in body must be of type integer: "string"',
    );
    assert.equal(byField['spec.mode']?.message, 'Unsupported value: "c": supported values: "a", "b"');
    assert.equal(byField['spec.interval']?.reason, 'FieldValueInvalid');
    assert.equal(byField['spec.items[1]']?.reason, 'FieldValueDuplicate');
    assert.deepEqual(schema.validate({ spec: {} }), [
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.size' },
    ]);
    assert.deepEqual(schema.validate({ spec: { size: 3, interval: '1h30m' } }), []);
  });

  test('list strategies come from x-kubernetes-list-type', () => {
    assert.deepEqual(schema.listStrategy(['spec', 'items']), { type: 'map', keys: ['name'] });
    assert.deepEqual(schema.listStrategy(['spec', 'labels']), { type: 'atomic' });
  });

  test('fieldPath turns JSON pointers into Kubernetes paths', () => {
    assert.equal(fieldPath('/spec/rules/0/action'), 'spec.rules[0].action');
    assert.equal(fieldPath('/spec', 'size'), 'spec.size');
  });

  test('x-kubernetes-validations rules run with CEL, with message and fieldPath', () => {
    const cel = compileSchema({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            min: { type: 'integer' },
            max: { type: 'integer' },
            ratio: { type: 'number' },
            path: {
              type: 'string',
              'x-kubernetes-validations': [
                { rule: "!self.startsWith('/')", message: 'path must be relative' },
              ],
            },
          },
          'x-kubernetes-validations': [
            {
              rule: '!has(self.min) || !has(self.max) || self.min <= self.max',
              message: 'min must not exceed max',
              fieldPath: '.min',
            },
            { rule: '!has(self.ratio) || self.ratio < 1.0' },
            {
              rule: 'self.min == oldSelf.min',
              message: 'transition rules need the old object and are skipped',
            },
          ],
        },
      },
    });
    assert.deepEqual(cel.validate({ spec: { min: 1, max: 2, path: 'a/b', ratio: 0.5 } }), []);
    assert.deepEqual(cel.validate({ spec: { min: 3, max: 2, path: '/abs', ratio: 2 } }), [
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "object": min must not exceed max',
        field: 'spec.min',
      },
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "object": failed rule: !has(self.ratio) || self.ratio < 1.0',
        field: 'spec',
      },
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "string": path must be relative',
        field: 'spec.path',
      },
    ]);
  });
});
