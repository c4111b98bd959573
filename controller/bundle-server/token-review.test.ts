// The TokenReview authenticator's own rules (the API server's answers are tested for real in
// test/cluster/control-plane-integrity.test.ts): audience in the answer, allowed accounts, and how
// long an answer is reused — never past the token's own expiry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { K8sClient } from '../../kube/index.js';
import { tokenReviewAuthenticator } from './token-review.js';

const NODE = 'system:serviceaccount:semamesh-system:semamesh-node';

/** A JWT-shaped token with the given expiry (seconds); the signature is not looked at here. */
const jwt = (exp: number, n = 0) => `h.${Buffer.from(JSON.stringify({ exp, n })).toString('base64url')}.s`;

function fakeClient(answer: (spec: { token: string; audiences: string[] }) => Record<string, unknown>) {
  const calls: { token: string; audiences: string[] }[] = [];
  const client = {
    async review(r: { spec: { token: string; audiences: string[] } }) {
      calls.push(r.spec);
      return { ...r, status: answer(r.spec) };
    },
  } as unknown as K8sClient;
  return { client, calls };
}

test('the answer must name the bundle audience and an allowed account', async () => {
  const { client, calls } = fakeClient(({ token }) =>
    token.includes('noaud')
      ? { authenticated: true, user: { username: NODE }, audiences: [] }
      : token.includes('other')
        ? {
            authenticated: true,
            user: { username: 'system:serviceaccount:x:y' },
            audiences: ['semamesh-bundles'],
          }
        : token.includes('bad')
          ? { authenticated: false, error: 'invalid bearer token' }
          : { authenticated: true, user: { username: NODE }, audiences: ['semamesh-bundles'] },
  );
  const auth = tokenReviewAuthenticator(client, { allowed: [NODE] });
  assert.deepEqual(await auth('good'), { ok: true, username: NODE });
  assert.equal(calls[0].audiences[0], 'semamesh-bundles');
  assert.deepEqual(await auth('noaud'), {
    ok: false,
    status: 401,
    reason: 'the token is not bound to audience semamesh-bundles',
  });
  assert.equal((await auth('other')).ok, false);
  assert.equal(((await auth('other')) as { status: number }).status, 403);
  assert.equal(((await auth('bad')) as { status: number }).status, 401);
  assert.equal(((await auth(undefined)) as { status: number }).status, 401);
});

test('answers are reused for 30 s, refusals for 5 s, and never past the token exp', async () => {
  let now = 1_000_000_000_000;
  let valid = true;
  const { client, calls } = fakeClient(() =>
    valid
      ? { authenticated: true, user: { username: NODE }, audiences: ['semamesh-bundles'] }
      : { authenticated: false },
  );
  const auth = tokenReviewAuthenticator(client, { allowed: [NODE], now: () => now });
  const long = jwt(now / 1000 + 3600);
  await auth(long);
  now += 29_000;
  await auth(long);
  assert.equal(calls.length, 1, 'reused within 30 s');
  now += 2000;
  valid = false;
  assert.equal((await auth(long)).ok, false, 'asked again after 30 s');
  now += 4000;
  valid = true;
  assert.equal((await auth(long)).ok, false, 'a refusal is reused for 5 s');
  now += 2000;
  assert.equal((await auth(long)).ok, true);
  const short = jwt(now / 1000 + 10, 1);
  await auth(short);
  valid = false;
  now += 11_000;
  assert.equal(
    (await auth(short)).ok,
    false,
    'an expired token is reviewed again, not served from the cache',
  );
});
