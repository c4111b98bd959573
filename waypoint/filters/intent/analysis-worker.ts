// The analysis worker thread (pool.ts): runs the intent filter's jobs for one request with a
// canonicalizer of the request's vocabulary, off the waypoint's event loop.
import { parentPort } from 'node:worker_threads';
import { Canonicalizer, type Vocabulary } from '../../../intent/index.js';
import { type AnalysisJob, analyse } from './analyse.js';

/** A batch of one request's jobs. */
export interface AnalysisRequest {
  id: number;
  vocabulary: Vocabulary;
  jobs: AnalysisJob[];
}

const canonicalizers = new Map<string, Canonicalizer>();

parentPort?.on('message', (m: AnalysisRequest) => {
  try {
    const key = JSON.stringify(m.vocabulary);
    let c = canonicalizers.get(key);
    if (!c) {
      // Bundles change rarely; a handful of vocabularies is all a waypoint sees.
      if (canonicalizers.size >= 8) canonicalizers.clear();
      c = new Canonicalizer(m.vocabulary);
      canonicalizers.set(key, c);
    }
    const cz = c;
    parentPort!.postMessage({ id: m.id, results: m.jobs.map((j) => analyse(cz, j)) });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
parentPort?.postMessage({ ready: true });
