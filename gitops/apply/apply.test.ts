// Unit tests of the apply helpers: what is sent with server-side apply, and which hand-edited
// fields the follow-up merge patch removes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RenderedObject } from '../render/index.js';
import { DIGEST_ANNOTATION, desiredObject, extraFieldsPatch, SOURCE_LABEL } from './apply.js';

const obj = (message: string): RenderedObject => ({
  apiVersion: 'semamesh.io/v1alpha1',
  kind: 'SemaPolicy',
  metadata: { name: 'p', namespace: 'n', labels: { team: 'a' } },
  spec: { rules: [{ name: 'r', action: 'BLOCK', message }] },
  source: { file: 'p.yaml', line: 1 },
});

describe('desiredObject', () => {
  test('adds the source label and a digest that changes with the content only', () => {
    const a = desiredObject(obj('one'), 'ns.src');
    assert.deepEqual(a.metadata.labels, { team: 'a', [SOURCE_LABEL]: 'ns.src' });
    assert.equal('source' in a, false);
    const a2 = desiredObject({ ...obj('one'), source: { file: 'moved.yaml', line: 9 } }, 'ns.src');
    const b = desiredObject(obj('two'), 'ns.src');
    assert.equal(a.metadata.annotations?.[DIGEST_ANNOTATION], a2.metadata.annotations?.[DIGEST_ANNOTATION]);
    assert.notEqual(a.metadata.annotations?.[DIGEST_ANNOTATION], b.metadata.annotations?.[DIGEST_ANNOTATION]);
  });
});

describe('extraFieldsPatch', () => {
  test('removes fields a hand edit added, keeps defaults, and resets changed defaults', () => {
    const sent = { rules: [1], selector: { namespaces: ['a'] } };
    const expected = { rules: [1], selector: { namespaces: ['a'] }, enforcement: 'enforce', priority: 0 };
    assert.equal(extraFieldsPatch({ ...expected }, sent, expected), undefined);
    assert.deepEqual(
      extraFieldsPatch(
        {
          ...expected,
          priority: 7,
          rego: 'package x',
          selector: { namespaces: ['a'], podLabels: { x: 'y' } },
        },
        sent,
        expected,
      ),
      { priority: null, rego: null, selector: { podLabels: null } },
    );
  });
});
