// The route policy as command-line flags, driven through the real `semamesh up` process:
// --no-default-passthrough, --passthrough and --governed-host change what an unknown route gets.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';

const cli = new URL('../../cli/semamesh.ts', import.meta.url).pathname;
const children: ChildProcess[] = [];

/** Starts `semamesh up --mock` with extra flags; resolves with its URL once the banner is printed. */
function up(flags: string[]): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      cli,
      'up',
      '--mock',
      '-p',
      '0',
      '--admin-port',
      '0',
      '--workers',
      '1',
      '--no-console',
      ...flags,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /waypoint on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.on('exit', (code) => reject(new Error(`semamesh up exited ${code}: ${err}`)));
  });
}

/** Runs `semamesh up` with flags that must be refused; resolves with the exit code and stderr. */
function upRefused(flags: string[]): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'up', '--mock', '-p', '0', ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, err })));
}

function get(base: string, path: string, host: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: u.hostname, port: u.port, path, headers: { host, authorization: 'Bearer k' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let generic: Server;
let genericUrl: string;
before(async () => {
  generic = createServer((_req, res) => res.end('generic upstream'));
  await new Promise<void>((resolve) => generic.listen(0, '127.0.0.1', resolve));
  genericUrl = `http://127.0.0.1:${(generic.address() as AddressInfo).port}`;
});
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  generic.close();
});

describe('route policy flags of semamesh up', () => {
  test('--no-default-passthrough with one --passthrough: only that route passes uninspected', async () => {
    const url = await up(['--no-default-passthrough', '--passthrough', 'GET /v1/models']);
    const oa = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0 });
    const models = await oa.models.list();
    assert.ok(Array.isArray(models.data));
    // Files metadata is on the default list; without it the route is refused, in OpenAI's shape.
    await assert.rejects(oa.files.list(), (e: { status?: number; code?: string; message?: string }) => {
      assert.equal(e.status, 404);
      assert.equal(e.code, 'SM_ERR_WAYPOINT_ROUTE_UNKNOWN', e.message);
      return true;
    });
  });

  test('the defaults stay without the flags: files metadata passes', async () => {
    const url = await up([]);
    const r = await get(url, '/v1/files', 'api.openai.com');
    // Forwarded: the answer is the (mock) provider's own, not the waypoint's refusal.
    assert.doesNotMatch(r.body, /ROUTE_UNKNOWN/);
    assert.match(r.body, /Invalid URL \(GET \/v1\/files\)/);
  });

  test('--governed-host makes a host with a generic upstream deny unknown routes', async () => {
    const open = await up(['--upstream', `generic=${genericUrl}`]);
    assert.equal((await get(open, '/v2/anything', 'llm.internal')).body, 'generic upstream');
    const governed = await up(['--upstream', `generic=${genericUrl}`, '--governed-host', 'llm.internal']);
    const r = await get(governed, '/v2/anything', 'llm.internal');
    assert.equal(r.status, 404, r.body);
    assert.match(r.body, /SM_ERR_WAYPOINT_ROUTE_UNKNOWN/);
    // Other hosts still reach the generic upstream.
    assert.equal((await get(governed, '/v2/anything', 'intranet.local')).body, 'generic upstream');
  });

  test('malformed flags are refused before anything starts', async () => {
    for (const flags of [
      ['--passthrough', '/v1/models'],
      ['--passthrough', 'get /v1/models'],
      ['--governed-host', 'https://llm.internal/'],
    ]) {
      const r = await upRefused(flags);
      assert.notEqual(r.code, 0, flags.join(' '));
      assert.match(r.err, /passthrough entry|governed host/, r.err);
    }
  });
});
