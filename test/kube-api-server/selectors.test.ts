// Label and field selector parsing and matching, against the operators apimachinery supports.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builtinResourceTypes } from './resource-types.js';
import { matchesLabels, parseFieldSelector, parseLabelSelector, selectorMatcher } from './selectors.js';
import { ApiError } from './status.js';

const pods = builtinResourceTypes().find((t) => t.plural === 'pods')!;

describe('label selectors (shared kube/selectors.ts; cases in kube/selectors.test.ts)', () => {
  test('match through the test server entry', () => {
    assert.equal(matchesLabels(parseLabelSelector('app in (web, api)'), { app: 'api' }), true);
  });

  test('malformed selectors are 400 BadRequest', () => {
    for (const bad of ['app in web', 'a=b=c', 'in (x)x', 'app=not ok', '-bad=1', 'n>x']) {
      assert.throws(
        () => parseLabelSelector(bad),
        (err: unknown) => err instanceof ApiError && err.code === 400,
        bad,
      );
    }
  });
});

describe('field selectors', () => {
  const pod = {
    metadata: { name: 'p', namespace: 'ns' },
    spec: { nodeName: 'n1' },
    status: { phase: 'Running' },
  };

  test('metadata and per-kind fields, = and !=', () => {
    assert.ok(selectorMatcher(undefined, 'metadata.name=p,metadata.namespace=ns', pods)(pod));
    assert.ok(selectorMatcher(undefined, 'spec.nodeName==n1,status.phase!=Pending', pods)(pod));
    assert.ok(!selectorMatcher(undefined, 'status.phase=Pending', pods)(pod));
    assert.ok(selectorMatcher(undefined, 'spec.nodeName!=n2', pods)({ metadata: { name: 'q' } }));
  });

  test('fields a kind does not support are 400 BadRequest', () => {
    assert.throws(
      () => parseFieldSelector('spec.containers=x', pods),
      (err: unknown) =>
        err instanceof ApiError && err.code === 400 && /field label not supported/.test(err.message),
    );
  });
});
