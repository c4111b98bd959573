// Test helpers for code that serves or consumes bundles (the controller's and the waypoint's tests):
// a small valid bundle and a bundle server listening on a free local port.
import { writeBundle } from '../../engine/index.js';
import { BundleServer, type BundleServerOptions } from './server.js';

/**
 * A small bundle with data, one Rego module and a stand-in wasm module (the header only: the
 * engine's reader does not instantiate it). Different revisions or data give different bytes.
 */
export function sampleBundle(
  revision = 'r1',
  data: Record<string, unknown> = { limits: { max: 3 } },
): Uint8Array {
  return writeBundle({
    manifest: { revision, roots: [''], wasm: [{ entrypoint: 'semamesh/decision', module: '/policy.wasm' }] },
    data,
    modules: [
      { file: 'policies/decision.rego', source: 'package semamesh\n\ndecision := {"action": "ALLOW"}\n' },
    ],
    wasm: new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]),
  });
}

export interface RunningBundleServer {
  server: BundleServer;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close: () => Promise<void>;
}

/** Starts a BundleServer on 127.0.0.1 and a free port. */
export async function startBundleServer(options: BundleServerOptions = {}): Promise<RunningBundleServer> {
  const server = new BundleServer(options);
  const addr = await server.listen(0, '127.0.0.1');
  return { server, origin: `http://127.0.0.1:${addr.port}`, close: () => server.close() };
}
