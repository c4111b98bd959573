// Worker-thread entry of the conformance harness: runs the cases it is sent, one at a time, through the
// engine API (run-case.ts) or through `semamesh eval` (testing/cli-eval.ts), so a hang or a crash
// costs only this thread (the pool terminates and replaces it).
import { parentPort } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './pool.js';
import { runCase } from './run-case.js';
import { runCliCase } from './testing/cli-eval.js';

const port = parentPort;
if (!port) throw new Error('engine/conformance/worker.ts must run in a worker thread');

port.on('message', async (msg: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const outcome = msg.cli
      ? await runCliCase(msg.case, msg.cli.modulePrefix, msg.cli.runner)
      : runCase(msg.case);
    reply = { index: msg.index, outcome };
  } catch (err) {
    // The runners never throw by design; if one does, the harness itself has a bug worth surfacing.
    const reason = `harness error: ${err instanceof Error ? err.message : String(err)}`;
    reply = { index: msg.index, outcome: { status: 'crashed', reason, ms: 0 } };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
