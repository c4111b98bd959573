// Tests for the PII detector: each kind with its checksum, false positives it must avoid, and the
// stream hold-back boundary.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectPii, holdFrom, piiKinds, redactPii } from './detect.js';

const kinds = (t: string) => detectPii(t).map((s) => `${s.kind}:${t.slice(s.start, s.end)}`);

test('finds each PII kind and only the checksum-valid numbers', () => {
  assert.deepEqual(kinds('mail me at john.doe+x@example.co.uk.'), ['email:john.doe+x@example.co.uk']);
  assert.deepEqual(kinds('card 4111 1111 1111 1111 ok'), ['credit_card:4111 1111 1111 1111']);
  assert.deepEqual(kinds('card 4111-1111-1111-1112'), []);
  assert.deepEqual(kinds('IBAN DE89 3704 0044 0532 0130 00 please'), ['iban:DE89 3704 0044 0532 0130 00']);
  assert.deepEqual(kinds('IBAN GB82WEST12345698765432'), ['iban:GB82WEST12345698765432']);
  assert.ok(!kinds('IBAN DE89 3704 0044 0532 0130 01').some((k) => k.startsWith('iban')));
  assert.deepEqual(kinds('ssn 123-45-6789'), ['ssn:123-45-6789']);
  assert.deepEqual(kinds('ssn 000-45-6789'), []);
  assert.deepEqual(kinds('call +1 (555) 123-4567 now'), ['phone:+1 (555) 123-4567']);
  assert.deepEqual(kinds('call 555-123-4567'), ['phone:555-123-4567']);
  assert.deepEqual(kinds('key="sk-proj-abcdefghijklmnop1234"'), ['api_key:sk-proj-abcdefghijklmnop1234']);
  assert.deepEqual(kinds('sk-ant-api03-abcdefghijklmnopqrstu'), [
    'api_key:sk-ant-api03-abcdefghijklmnopqrstu',
  ]);
  assert.deepEqual(kinds('aws AKIAIOSFODNN7EXAMPLE'), ['api_key:AKIAIOSFODNN7EXAMPLE']);
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
  assert.deepEqual(kinds(`Bearer ${jwt}`), [`jwt:${jwt}`]);
  const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----';
  assert.deepEqual(kinds(`x ${pem} y`), [`private_key:${pem}`]);
  assert.deepEqual(kinds('-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----'), []);
});

test('ordinary text, dates, timestamps and versions are not PII', () => {
  assert.deepEqual(kinds('on 2024-01-01 at 1700000000 version 1.2.3 user@host costs 12.50'), []);
  assert.deepEqual(piiKinds('drop the prod database'), []);
});

test('redaction replaces spans with a kind label', () => {
  const r = redactPii('reach a@b.io or 4111111111111111');
  assert.equal(r.text, 'reach [REDACTED:email] or [REDACTED:credit_card]');
  assert.deepEqual(r.kinds.sort(), ['credit_card', 'email']);
});

test('holdFrom keeps back only what a later chunk could complete', () => {
  assert.equal(holdFrom('hello world '), 12);
  assert.equal(holdFrom('hello wor'), 6);
  assert.equal(holdFrom('card 4111 1111 '), 5);
  assert.equal(holdFrom('x -----BEGIN PRIVATE KEY-----\nMII'), 2);
  assert.equal(holdFrom('done.\n'), 6);
});

test('detection stays linear on adversarial input', () => {
  const big = `${'a@'.repeat(50_000)} ${'1 '.repeat(50_000)} ${'eyJ.'.repeat(20_000)}`;
  assert.ok(Array.isArray(detectPii(big)));
});

test('PII next to other PII: an e-mail run never joins a card cluster', () => {
  assert.deepEqual(kinds('a@b.io 4111 1111 1111 1111'), ['email:a@b.io', 'credit_card:4111 1111 1111 1111']);
  const many = `${'x@y.io 1234 '.repeat(20_000)}`;
  assert.equal(detectPii(many).length, 20_000);
});
