// Our bundles in the real opa: `semamesh build` output (plain, and signed with --signing-key) loads
// in `opa eval -b` and `opa run -b --verification-key`, gives the decisions `semamesh eval -b` gives,
// and a tampered or wrongly keyed bundle is refused by opa and by the waypoint's verifier alike.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { packBundleFiles, readBundleFiles } from '../../controller/bundle-server/bundle-files.js';
import { verifyBundle } from '../../controller/bundle-server/signing.js';
import { findWasmOpa, runOpa } from '../../engine/reference/opa.js';
import { semamesh } from './cli.js';

const { skip } = findWasmOpa();
const FIXTURE = join(import.meta.dirname, 'fixtures', 'bundle-v1');
const dir = mkdtempSync(join(tmpdir(), 'sm-interop-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const INPUTS = [
  { user: 'alice', action: 'delete' },
  { user: 'bob', action: 'read' },
  { user: 'bob', action: 'write' },
  { user: 'mallory', action: 'read' },
];
const QUERY = 'data.authz.decision';
const opa = (args: string[], input?: string) => runOpa(args, { wasm: true, input });
/** What the opa REPL printed after its banner. */
const replOutput = (stdout: string) =>
  stdout.replace(/^[\s\S]*Run 'help' to see a list of commands[^\n]*\n/, '');

async function build(name: string, flags: string[]): Promise<string> {
  const out = join(dir, name);
  const r = await semamesh(['build', '-b', FIXTURE, '-o', out, ...flags]);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

function inputFile(input: unknown, i: number): string {
  const path = join(dir, `input-${i}.json`);
  writeFileSync(path, JSON.stringify(input));
  return path;
}

/** Replaces one file's bytes inside a bundle, keeping its .signatures.json as it was. */
function tamper(bundle: string, name: string, body: string): string {
  const files = readBundleFiles(readFileSync(bundle)).map((f) =>
    f.name === name ? { name, body: Buffer.from(body) } : f,
  );
  assert.ok(
    files.some((f) => f.name === name),
    `${name} is in the bundle`,
  );
  const out = `${bundle}.tampered.tar.gz`;
  writeFileSync(out, packBundleFiles(files));
  return out;
}

test('a plain bundle: opa eval -b gives the decisions semamesh eval -b gives', { skip }, async () => {
  const bundle = await build('plain.tar.gz', ['-t', 'rego']);
  for (const [i, input] of INPUTS.entries()) {
    const path = inputFile(input, i);
    const theirs = opa(['eval', '-b', bundle, '-i', path, QUERY]);
    const ours = await semamesh(['eval', '-b', bundle, '-i', path, QUERY]);
    assert.equal(theirs.status, 0, theirs.stderr);
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(ours.stdout, theirs.stdout, JSON.stringify(input));
  }
});

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KEYS = {
  HS256: { sign: 'a-shared-secret-for-hs256', verify: 'a-shared-secret-for-hs256' },
  RS256: {
    sign: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    verify: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  },
};

for (const alg of ['HS256', 'RS256'] as const) {
  test(`signed with ${alg}: opa run -b --verification-key loads it and decides like semamesh eval; tampering is refused by both`, {
    skip,
  }, async () => {
    const keys = KEYS[alg];
    const keyArg = (k: string, name: string) => {
      if (alg === 'HS256') return k;
      const path = join(dir, `${alg}-${name}.pem`);
      writeFileSync(path, k);
      return path;
    };
    const bundle = await build(`signed-${alg}.tar.gz`, [
      '-t',
      'rego',
      '--signing-key',
      keyArg(keys.sign, 'private'),
      '--signing-alg',
      alg,
    ]);
    const verification = ['--verification-key', keyArg(keys.verify, 'public'), '--signing-alg', alg];
    for (const input of INPUTS) {
      const q = `${QUERY} with input as ${JSON.stringify(input)}`;
      const theirs = opa(['run', '-b', bundle, ...verification], `${q}\n`);
      assert.equal(theirs.status, 0, theirs.stderr);
      const ours = await semamesh(['eval', '-b', bundle, '-f', 'pretty', q]);
      assert.equal(ours.status, 0, ours.stderr);
      assert.equal(ours.stdout.trim(), replOutput(theirs.stdout).trim(), JSON.stringify(input));
    }
    const ourKey =
      alg === 'HS256' ? { algorithm: alg, secret: keys.verify } : { algorithm: alg, publicKey: keys.verify };
    assert.ok(verifyBundle(readFileSync(bundle), ourKey).modules.length > 0);

    // Tampered data (mallory granted read): opa refuses the bundle, so does the waypoint's verifier.
    const forged = tamper(
      bundle,
      'data.json',
      '{"authz": {"grants": {"mallory": ["read"]}}, "lib": {"admins": ["alice"]}}',
    );
    const refused = opa(['run', '-b', forged, ...verification], `${QUERY}\n`);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stdout + refused.stderr, /data.json: digest mismatch/);
    assert.throws(() => verifyBundle(readFileSync(forged), ourKey), { code: 'SM_ERR_BUNDLE_SIG_DIGEST' });

    // Another key: refused by both; no key at all: refused by both.
    const other =
      alg === 'HS256'
        ? 'another-secret'
        : (generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
            type: 'spki',
            format: 'pem',
          }) as string);
    const wrong = opa(
      ['run', '-b', bundle, '--verification-key', keyArg(other, 'other'), '--signing-alg', alg],
      '',
    );
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stdout + wrong.stderr, /verify|signature/i);
    const wrongKey =
      alg === 'HS256' ? { algorithm: alg, secret: other } : { algorithm: alg, publicKey: other };
    assert.throws(() => verifyBundle(readFileSync(bundle), wrongKey), { code: 'SM_ERR_BUNDLE_SIG_INVALID' });
    const unkeyed = opa(['run', '-b', bundle], '');
    assert.notEqual(unkeyed.status, 0);
    assert.match(unkeyed.stdout + unkeyed.stderr, /verification key not provided/);
    assert.throws(() => verifyBundle(readFileSync(bundle), undefined), {
      code: 'SM_ERR_BUNDLE_SIG_UNEXPECTED',
    });
  });
}

// A wasm bundle in opa's own wasm engine: like opa build -t wasm, ours moves the entrypoint rules
// into policy.wasm, so opa can answer them only by running our policy.wasm (which it loads only when
// the module asks for nothing it lacks); our eval -b runs it the same way. Queries read the
// entrypoint and rules left in the .rego. (Not compared: `data.authz` as a whole, where opa leaves
// the package's base data out of the value once a wasm entrypoint lives under it; ours keeps it.)
test('a wasm bundle: opa eval -b runs our policy.wasm with the output semamesh eval -b gives', {
  skip,
}, async () => {
  const bundle = await build('wasm.tar.gz', ['-e', 'authz/decision']);
  const files = readBundleFiles(readFileSync(bundle));
  const manifest = JSON.parse(files.find((f) => f.name === '.manifest')?.body.toString() ?? '{}');
  assert.deepEqual(manifest.wasm?.[0], { entrypoint: 'authz/decision', module: '/policy.wasm' });
  assert.ok(!files.some((f) => f.name.endsWith('.rego') && /^decision\b/m.test(f.body.toString())));
  for (const [i, input] of INPUTS.entries()) {
    const path = inputFile(input, i);
    for (const [query, format] of [
      [QUERY, 'json'],
      ['data.authz.reasons', 'json'],
      ['x := data.authz.decision.allow; y := data.lib', 'bindings'],
      ['data.authz.decision', 'pretty'],
    ]) {
      const theirs = opa(['eval', '-b', bundle, '-i', path, '-f', format as string, query as string]);
      assert.equal(theirs.status, 0, theirs.stdout + theirs.stderr);
      const ours = await semamesh([
        'eval',
        '-b',
        bundle,
        '-i',
        path,
        '-f',
        format as string,
        query as string,
      ]);
      assert.equal(ours.stdout, theirs.stdout, `${query} ${JSON.stringify(input)}: ${ours.stderr}`);
    }
  }
  // opa re-runs the wasm under `with`; ours evaluates the wasm once, so it refuses rather than lie.
  const withQuery = `${QUERY} with input as {"user": "alice", "action": "delete"}`;
  const ours = await semamesh(['eval', '-b', bundle, withQuery]);
  assert.equal(ours.status, 2);
  assert.match(ours.stderr, /`with` in the query cannot reach rules compiled into the bundle's policy\.wasm/);
});

test('--claims-file: a key id and scope in the claims are honoured by opa run --verification-key-id/--scope and by our verifier', {
  skip,
}, async () => {
  const claims = join(dir, 'claims.json');
  writeFileSync(claims, JSON.stringify({ keyid: 'team-key', scope: 'authz', iss: 'ci' }));
  const secret = 'scoped-secret';
  const bundle = await build('scoped.tar.gz', [
    '-t',
    'rego',
    '--signing-key',
    secret,
    '--signing-alg',
    'HS256',
    '--claims-file',
    claims,
  ]);
  const base = ['run', '-b', bundle, '--verification-key', secret, '--signing-alg', 'HS256'];
  const ok = opa([...base, '--verification-key-id', 'team-key', '--scope', 'authz'], `${QUERY}\n`);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(replOutput(ok.stdout), /"allow": false/);
  const key = { algorithm: 'HS256' as const, secret, keyId: 'team-key', scope: 'authz' };
  assert.ok(verifyBundle(readFileSync(bundle), key).modules.length > 0);
  const wrongScope = opa([...base, '--verification-key-id', 'team-key', '--scope', 'other'], '');
  assert.notEqual(wrongScope.status, 0);
  assert.match(wrongScope.stdout + wrongScope.stderr, /scope mismatch/);
  assert.throws(() => verifyBundle(readFileSync(bundle), { ...key, scope: 'other' }), {
    code: 'SM_ERR_BUNDLE_SIG_SCOPE',
  });
});
