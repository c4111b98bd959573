// Label selector parsing and matching, case by case against what k8s.io/apimachinery accepts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LabelSelectorError, matchesLabels, parseLabelSelector } from './selectors.js';

describe('label selectors', () => {
  const cases: [string, Record<string, string> | undefined, boolean][] = [
    ['app=web', { app: 'web' }, true],
    ['app==web', { app: 'web' }, true],
    ['app=web', { app: 'db' }, false],
    ['app!=web', { app: 'db' }, true],
    ['app!=web', {}, true],
    ['app in (web, api)', { app: 'api' }, true],
    ['app in (web,api)', { app: 'db' }, false],
    ['app notin (web,api)', { app: 'db' }, true],
    ['app notin (web,api)', undefined, true],
    ['app', { app: '' }, true],
    ['app', {}, false],
    ['!app', {}, true],
    ['!app', { app: 'x' }, false],
    ['app=web,tier in (fe),!legacy', { app: 'web', tier: 'fe' }, true],
    ['app=web,tier in (fe),!legacy', { app: 'web', tier: 'fe', legacy: 'y' }, false],
    ['semamesh.io/agent=true', { 'semamesh.io/agent': 'true' }, true],
    ['replicas>2', { replicas: '3' }, true],
    ['replicas<2', { replicas: '3' }, false],
    ['replicas>2', { replicas: 'many' }, false],
    ['', { any: 'thing' }, true],
  ];
  for (const [selector, labels, expected] of cases) {
    test(`${JSON.stringify(selector)} on ${JSON.stringify(labels)} → ${expected}`, () => {
      assert.equal(matchesLabels(parseLabelSelector(selector), labels), expected);
    });
  }

  test('malformed selectors are coded errors naming the requirement', () => {
    for (const bad of ['app in web', 'a=b=c', 'in (x)x', 'app=not ok', '-bad=1', 'n>x', 'a=b,,c', 'a b=c']) {
      assert.throws(
        () => parseLabelSelector(bad),
        (err: unknown) => err instanceof LabelSelectorError && err.code === 'SM_ERR_K8S_SELECTOR',
        bad,
      );
    }
  });
});
