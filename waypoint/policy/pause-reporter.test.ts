// The waypoint's side of PAUSE reports to the node agent: what goes over the socket (the connection's
// origin and the names, only to be checked there; never labels or prompt text), and a refusal or a
// missing node agent surfaces as a rejection the enforcement logs.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { nodeAgentPauseReporter, type PauseReport } from './pause-reporter.js';

const dir = mkdtempSync(join(tmpdir(), 'sm-pause-reporter-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const report: PauseReport = {
  agent: {
    namespace: 'agents',
    pod: 'a',
    serviceAccount: 'sa',
    labels: { secret: 'not sent' },
    cgroup: '4242',
    address: '10.0.0.1',
  },
  rule: 'agents/p/r',
  reason: 'why',
  requestDigest: 'f'.repeat(64),
};

test('POST /pause with the origin; 201 resolves, anything else rejects with the answer', async () => {
  const socketPath = join(dir, 'agent.sock');
  const seen: { method?: string; url?: string; body: string }[] = [];
  let status = 201;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, body });
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end('{"code":"SM_ERR_CONTROLLER_PAUSE_REPORT"}');
    });
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  try {
    const reporter = nodeAgentPauseReporter(socketPath);
    await reporter.report(report);
    assert.equal(seen[0].method, 'POST');
    assert.equal(seen[0].url, '/pause');
    assert.deepEqual(JSON.parse(seen[0].body), {
      agent: { cgroup: '4242', address: '10.0.0.1', namespace: 'agents', pod: 'a' },
      rule: 'agents/p/r',
      reason: 'why',
      requestDigest: 'f'.repeat(64),
    });
    status = 403;
    await assert.rejects(
      Promise.resolve(reporter.report(report)),
      /refused the PAUSE report \(403\).*PAUSE_REPORT/,
    );
  } finally {
    server.close();
  }
  await assert.rejects(
    Promise.resolve(nodeAgentPauseReporter(join(dir, 'missing.sock'), { retryDelaysMs: [] }).report(report)),
    /cannot report PAUSE to the node agent at .*missing\.sock/,
  );
});

test('a node agent that is not up yet is tried again; one that answers late gets the report', async () => {
  const socketPath = join(dir, 'late.sock');
  let got = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      got++;
      res.writeHead(201).end('{}');
    });
  });
  const pending = nodeAgentPauseReporter(socketPath, { retryDelaysMs: [50, 100, 2000] }).report(report);
  // Starts listening between the first attempts (as a restarting node agent would).
  await new Promise((r) => setTimeout(r, 80));
  await new Promise<void>((r) => server.listen(socketPath, r));
  try {
    await pending;
    assert.equal(got, 1);
  } finally {
    server.close();
  }
});
