import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fingerprint, TextMemo } from './text-memo.js';

/** A long text and a twin of the same length that differs at one place the fingerprint skips. */
function twins(): [string, string] {
  const base = 'x'.repeat(4000);
  let at = 1000;
  const a = `${base.slice(0, at)}a${base.slice(at + 1)}`;
  for (; at < 3000; at++) {
    const b = `${base.slice(0, at)}b${base.slice(at + 1)}`;
    const a2 = `${base.slice(0, at)}a${base.slice(at + 1)}`;
    if (fingerprint('', a2) === fingerprint('', b)) return [a2, b];
  }
  return [a, a];
}

test('a text is found again, under its kind only', () => {
  const m = new TextMemo<number>();
  const text = 'Please drop the staging database.';
  const id = m.set('', text, 1);
  m.set('r:', text, 2);
  assert.equal(m.get('', `Please drop the staging ${'database.'}`), 1);
  assert.equal(m.entry('', text)?.id, id);
  assert.equal(m.get('r:', text), 2);
  assert.equal(m.get('c:', text), undefined);
  assert.equal(m.size, 2);
});

test('texts sharing a fingerprint are told apart by their content', () => {
  const [a, b] = twins();
  assert.notEqual(a, b, 'the fingerprint samples a long text, so twins exist');
  assert.equal(fingerprint('', a), fingerprint('', b));
  const m = new TextMemo<string>();
  m.set('', a, 'a');
  assert.equal(m.get('', b), undefined);
  m.set('', b, 'b');
  assert.equal(m.get('', a), 'a');
  assert.equal(m.get('', b), 'b');
});

test('a bucket of colliding texts stays bounded: the oldest leaves', () => {
  const base = 'y'.repeat(5000);
  const m = new TextMemo<number>();
  const texts: string[] = [];
  const fp = fingerprint('', base);
  for (let at = 100; texts.length < 10 && at < 4900; at++) {
    const t = `${base.slice(0, at)}z${base.slice(at + 1)}`;
    if (fingerprint('', t) === fp) texts.push(t);
  }
  assert.equal(texts.length, 10);
  for (const [i, t] of texts.entries()) m.set('', t, i);
  assert.ok(m.size <= 4, `size ${m.size}`);
  assert.equal(m.get('', texts[9]!), 9);
  assert.equal(m.get('', texts[0]!), undefined);
  m.clear();
  assert.equal(m.size, 0);
  assert.equal(m.get('', texts[9]!), undefined);
});
