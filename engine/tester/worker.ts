// Worker thread of `semamesh test --timeout`: loads the compiled tests and evaluates them in order
// from a given index, reporting each start and result, so the parent can stop a test that hangs.
import { parentPort } from 'node:worker_threads';
import { evaluateJob, loadTestPolicy, type TestJob } from './runner.js';

export interface TestWorkerRequest {
  wasm: Uint8Array;
  data?: Record<string, unknown>;
  jobs: TestJob[];
  from: number;
}

export type TestWorkerReply =
  | { kind: 'start'; index: number }
  | { kind: 'done'; index: number; outcome: ReturnType<typeof evaluateJob>; reached: string[] };

parentPort?.once('message', (req: TestWorkerRequest) => {
  const printed: string[] = [];
  const reached = new Set<string>();
  const policy = loadTestPolicy(req.wasm, req.data, printed, reached);
  for (let i = req.from; i < req.jobs.length; i++) {
    parentPort?.postMessage({ kind: 'start', index: i } satisfies TestWorkerReply);
    const outcome = evaluateJob(policy, req.jobs[i], printed);
    // Coverage keys reached by this test (the set is emptied so each key is sent once per worker).
    const keys = [...reached];
    reached.clear();
    parentPort?.postMessage({ kind: 'done', index: i, outcome, reached: keys } satisfies TestWorkerReply);
  }
});
