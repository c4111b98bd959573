// Where `semamesh waypoint` gets OPA bundles: a watched file (--bundle, signatures checked here) or
// the controller's bundle service (--bundle-url, a long poll whose poller checks them). The poller
// and the signature code are loaded only when a bundle flag asks for them (start-up).
import { existsSync, readFileSync } from 'node:fs';
import type { BundlePoller } from '../../controller/bundle-server/poller.js';
import type { VerificationKey } from '../../controller/bundle-server/signing.js';
import { type BundleSource, fileBundleSource } from '../../waypoint/index.js';
import type { WaypointCliOptions } from './waypoint-options.js';

/** The bundle verification key from --bundle-public-key (RS256 PEM) or --bundle-secret (HS256). */
export function bundleKey(opts: WaypointCliOptions): VerificationKey | undefined {
  if (opts.bundlePublicKey && opts.bundleSecret)
    throw new Error('give --bundle-public-key or --bundle-secret, not both');
  const keyId = opts.bundleKeyId;
  if (opts.bundlePublicKey)
    return { algorithm: 'RS256', publicKey: readFileSync(opts.bundlePublicKey, 'utf8'), keyId };
  if (opts.bundleSecret)
    return { algorithm: 'HS256', secret: readFileSync(opts.bundleSecret, 'utf8').trim(), keyId };
  return undefined;
}

/** The controller's bundle service as a BundleSource: long poll + ETag, signatures verified by the poller. */
export function pollerBundleSource(options: {
  url: string;
  key?: VerificationKey;
  token?: string;
  /** Projected ServiceAccount token file, re-read per request (rotation). */
  tokenFile?: string;
  /** PEM of the CA pinned for an https bundle URL. */
  ca?: string;
  waitSeconds?: number;
  backoffBaseMs?: number;
  stateFile?: string;
}): BundleSource {
  let poller: BundlePoller | undefined;
  return {
    async start(sink) {
      const { BundlePoller } = await import('../../controller/bundle-server/poller.js');
      poller = new BundlePoller({
        url: options.url,
        key: options.key,
        token: options.token,
        tokenFile: options.tokenFile,
        ca: options.ca,
        waitSeconds: options.waitSeconds,
        backoffBaseMs: options.backoffBaseMs,
        backoffMaxMs: 30_000,
        stateFile: options.stateFile,
        onBundle: (u) => sink.deliver(u.bytes, { origin: options.url, revision: u.revision }),
        onError: (err) => sink.reject(err, { origin: options.url }),
      });
      poller.start();
    },
    async stop() {
      await poller?.stop();
      poller = undefined;
    },
  };
}

/**
 * The bundle client of --bundle (a watched file, signatures checked with the key) or --bundle-url
 * (the controller's long poll, which verifies them itself); undefined without either.
 */
export function bundleSourceFor(opts: WaypointCliOptions): BundleSource | undefined {
  if (opts.bundle && opts.bundleUrl) throw new Error('give --bundle or --bundle-url, not both');
  const key = bundleKey(opts);
  if (opts.bundle) {
    // A missing file is a typo to report now; a bad bundle later is rejected and the old one kept.
    if (!existsSync(opts.bundle)) throw new Error(`bundle file ${opts.bundle} does not exist`);
    // Watched for changes; the first read happens before the waypoint answers its first request.
    return withVerification(fileBundleSource(opts.bundle), key);
  }
  if (opts.bundleUrl) {
    return pollerBundleSource({
      url: opts.bundleUrl,
      key,
      tokenFile: opts.bundleTokenFile,
      ca: opts.bundleCa ? readFileSync(opts.bundleCa, 'utf8') : undefined,
      stateFile: opts.bundleStateFile,
    });
  }
  return undefined;
}

/** A watched bundle file checked against the key like the poller checks fetched ones. */
function withVerification(source: BundleSource | undefined, key: VerificationKey | undefined) {
  if (!source || !key) return source;
  return {
    start: (sink: Parameters<BundleSource['start']>[0]) =>
      source.start({
        deliver: (bytes, info) =>
          Promise.resolve()
            .then(() => import('../../controller/bundle-server/signing.js'))
            .then(({ verifyBundle }) => verifyBundle(bytes, key))
            .then(
              () => sink.deliver(bytes, info),
              (err: unknown) => {
                sink.reject(err, info);
                throw err;
              },
            ),
        reject: (err, info) => sink.reject(err, info),
      }),
    stop: () => source.stop(),
  };
}
