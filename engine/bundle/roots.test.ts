// Manifest roots: data and packages outside them are refused with opa's wording.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRoots, packagePath } from './roots.js';

test('package paths come from the first package clause, comments and quoted segments allowed', () => {
  assert.equal(packagePath('# package nope\npackage a.b\n'), 'a/b');
  assert.equal(packagePath('package a["b-c"].d'), 'a/b-c/d');
  assert.equal(packagePath('p := 1'), undefined);
});

test('data and modules under the roots pass; anything else names what is outside', () => {
  const mods = [{ file: 'x.rego', source: 'package authz.rules\n' }];
  checkRoots(['authz', 'lib/admins'], { authz: { x: 1 }, lib: { admins: [] } }, mods);
  checkRoots([''], { anything: 1 }, [{ file: 'y.rego', source: 'package z' }]);
  assert.throws(
    () => checkRoots(['authz'], { other: 1 }, []),
    /manifest roots \[authz\] do not permit data at path '\/other'/,
  );
  assert.throws(
    () => checkRoots(['lib/admins'], { lib: { users: 1 } }, []),
    /do not permit data at path '\/lib\/users'/,
  );
  assert.throws(
    () => checkRoots(['authz'], {}, [{ file: 'z.rego', source: 'package authzz' }]),
    /do not permit 'package authzz' in module 'z.rego'/,
  );
});
