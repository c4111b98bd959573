// Worker-thread entry of the conformance harness: runs the cases it is sent, one at a time, so a hang
// or a crash costs only this thread (the pool terminates and replaces it).
import { parentPort } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './pool.js';
import { runCase } from './run-case.js';

const port = parentPort;
if (!port) throw new Error('engine/conformance/worker.ts must run in a worker thread');

port.on('message', (msg: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { index: msg.index, outcome: runCase(msg.case) };
  } catch (err) {
    // runCase never throws by design; if it does, the harness itself has a bug worth surfacing.
    const reason = `harness error: ${err instanceof Error ? err.message : String(err)}`;
    reply = { index: msg.index, outcome: { status: 'crashed', reason, ms: 0 } };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
