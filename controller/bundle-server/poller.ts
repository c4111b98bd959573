// The bundle client a waypoint runs: long-polls the bundle service with If-None-Match and
// `Prefer: wait=N`, verifies each new bundle's signature before handing it over, and backs off
// with jitter when the server or the bundle is bad.
import { type Dispatcher, request } from 'undici';
import type { Bundle } from '../../engine/index.js';
import { ControllerError, errorText } from '../errors.js';
import type { BundleFileLimits } from './bundle-files.js';
import { BUNDLE_CONTENT_TYPE, REVISION_HEADER } from './server.js';
import { type SignatureClaims, type VerificationKey, verifyBundleDetailed } from './signing.js';

export interface BundleUpdate {
  bundle: Bundle;
  bytes: Uint8Array;
  etag: string;
  /** The manifest's revision (the server's revision header when the manifest has none). */
  revision: string;
  claims?: SignatureClaims;
}

export interface BundlePollerOptions {
  url: string;
  /** Called with each new, verified bundle; a throw counts as a failure and the bundle is fetched again. */
  onBundle: (update: BundleUpdate) => void | Promise<void>;
  onError?: (err: ControllerError) => void;
  /** Verification key(s); without any, signed bundles are refused and unsigned ones accepted. */
  key?: VerificationKey;
  keys?: VerificationKey[];
  token?: string;
  /** Long-poll wait sent in `Prefer: wait=N`; 0 turns long polling off. Default 30. */
  waitSeconds?: number;
  /** Pause between polls when the server does not long-poll. Default 10 s. */
  intervalMs?: number;
  /** Error backoff: base and cap of the exponential, jittered delay. Defaults 500 ms and 30 s. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Whole-request timeout; default wait + 15 s. */
  timeoutMs?: number;
  limits?: BundleFileLimits;
  /** An undici dispatcher, e.g. an Agent carrying the controller's CA for https URLs. */
  dispatcher?: Dispatcher;
}

/** Equal jitter: half the exponential step is fixed so retries never bunch at zero, half is random. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
  return cap / 2 + random() * (cap / 2);
}

export class BundlePoller {
  private readonly o: BundlePollerOptions;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private failures = 0;
  private currentEtag = '';
  private currentRevision = '';

  constructor(options: BundlePollerOptions) {
    this.o = options;
  }

  get etag(): string {
    return this.currentEtag;
  }

  get revision(): string {
    return this.currentRevision;
  }

  /** Consecutive failed polls; 0 after any success. */
  get failureCount(): number {
    return this.failures;
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  /** Aborts the in-flight request or sleep and waits for the loop to end. */
  async stop(): Promise<void> {
    this.abort.abort();
    const loop = this.loop;
    this.loop = undefined;
    await loop;
  }

  /**
   * One poll: resolves true when a new bundle was handed over, false on 304. Throws a
   * ControllerError on a transport, HTTP or verification failure.
   */
  async pollOnce(signal?: AbortSignal): Promise<{ updated: boolean; longPoll: boolean }> {
    const wait = this.o.waitSeconds ?? 30;
    const headers: Record<string, string> = { accept: `${BUNDLE_CONTENT_TYPE}, application/gzip` };
    if (this.currentEtag) headers['if-none-match'] = this.currentEtag;
    if (wait > 0) headers.prefer = `wait=${wait}`;
    if (this.o.token) headers.authorization = `Bearer ${this.o.token}`;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(this.o.url, {
        method: 'GET',
        headers,
        signal,
        dispatcher: this.o.dispatcher,
        headersTimeout: this.o.timeoutMs ?? wait * 1000 + 15_000,
        bodyTimeout: this.o.timeoutMs ?? 60_000,
      });
    } catch (err) {
      throw fetchError(`cannot reach ${this.o.url}: ${errorText(err)}`, err);
    }
    const longPoll = String(res.headers['content-type'] ?? '').startsWith(BUNDLE_CONTENT_TYPE);
    if (res.statusCode === 304) {
      await res.body.dump();
      return { updated: false, longPoll };
    }
    if (res.statusCode !== 200) {
      const text = (await res.body.text().catch(() => '')).slice(0, 300);
      throw fetchError(`${this.o.url} answered HTTP ${res.statusCode}${text ? `: ${text}` : ''}`);
    }
    const bytes = new Uint8Array(await res.body.arrayBuffer());
    const etag = String(res.headers.etag ?? '');
    const { bundle, claims } = verifyBundleDetailed(bytes, this.o.key, {
      keys: this.o.keys,
      limits: this.o.limits,
    });
    const header = res.headers[REVISION_HEADER];
    const revision =
      bundle.manifest.revision || (typeof header === 'string' ? decodeURIComponent(header) : '');
    await this.o.onBundle({ bundle, bytes, etag, revision, claims });
    this.currentEtag = etag;
    this.currentRevision = revision;
    return { updated: true, longPoll };
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let delay = 0;
      try {
        const { longPoll } = await this.pollOnce(signal);
        this.failures = 0;
        const longPolling = longPoll && (this.o.waitSeconds ?? 30) > 0;
        if (!longPolling) delay = this.o.intervalMs ?? 10_000;
      } catch (err) {
        if (signal.aborted) break;
        this.failures++;
        const coded =
          err instanceof ControllerError ? err : fetchError(`bundle rejected: ${errorText(err)}`, err);
        this.o.onError?.(coded);
        delay = backoffDelay(this.failures, this.o.backoffBaseMs ?? 500, this.o.backoffMaxMs ?? 30_000);
      }
      if (delay > 0) await sleep(delay, signal);
    }
  }
}

function fetchError(message: string, cause?: unknown): ControllerError {
  return new ControllerError('SM_ERR_CONTROLLER_BUNDLE_FETCH', message, { cause });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
