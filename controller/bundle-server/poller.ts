// The bundle client a waypoint runs: long-polls the bundle service with If-None-Match and
// `Prefer: wait=N`, verifies each new bundle's signature before handing it over, and backs off
// with jitter when the server or the bundle is bad. Downloads are streamed under a hard byte bound,
// and bundles only move forward: one signed earlier than the bundle in force is refused, across
// restarts too (the state file remembers what was enforced). In a cluster the fetch is HTTPS to a
// server whose CA is pinned, with the node's projected, audience-bound token, read again from its
// file for every request (the kubelet rotates it); a token is never sent over plain HTTP.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Agent, type Dispatcher, request } from 'undici';
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
  /** File holding the bearer token (a projected ServiceAccount token), read anew for each request. */
  tokenFile?: string;
  /** PEM CA certificate(s) the https server's certificate must chain to: the only trusted roots. */
  ca?: string | Buffer;
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
  /** Most bytes a download may have (compressed); the transfer is aborted past it. Default 16 MiB. */
  maxDownloadBytes?: number;
  /**
   * JSON file remembering the signed `iat` and revision of the bundle in force, so a restart still
   * refuses older bundles. Without it the memory lasts as long as the process.
   */
  stateFile?: string;
  /** An undici dispatcher, e.g. an Agent carrying the controller's CA for https URLs. */
  dispatcher?: Dispatcher;
}

/** What the poller remembers of the bundle in force. */
export interface EnforcedState {
  iat?: number;
  revision: string;
}

const DEFAULT_MAX_DOWNLOAD = 16 * 1024 * 1024;

function readState(path: string | undefined): EnforcedState | undefined {
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // first start
  }
  const parsed = JSON.parse(text) as Partial<EnforcedState>;
  if (parsed.iat !== undefined && typeof parsed.iat !== 'number')
    throw new ControllerError('SM_ERR_CONTROLLER_BUNDLE_ROLLBACK', `state file ${path} has a bad iat`);
  return { iat: parsed.iat, revision: String(parsed.revision ?? '') };
}

/** Atomic: a crash leaves the old state or the new one, never half a file. */
function writeState(path: string, state: EnforcedState): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
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
  private enforced: EnforcedState | undefined;

  private dispatcher: Dispatcher | undefined;

  constructor(options: BundlePollerOptions) {
    this.o = options;
    let url: URL;
    try {
      url = new URL(options.url);
    } catch (err) {
      throw new ControllerError('SM_ERR_CONTROLLER_CONFIG', `bad bundle URL ${JSON.stringify(options.url)}`, {
        cause: err,
      });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new ControllerError('SM_ERR_CONTROLLER_CONFIG', `bundle URL must be http(s): ${options.url}`);
    // Plain HTTP keeps the token on this machine only when the server is on loopback (local mode).
    if (url.protocol === 'http:' && (options.token || options.tokenFile) && !isLoopback(url.hostname))
      throw new ControllerError(
        'SM_ERR_CONTROLLER_CONFIG',
        `refusing to send a bearer token over plain HTTP to ${url.host}; use an https bundle URL`,
      );
    if (options.ca && options.dispatcher)
      throw new ControllerError('SM_ERR_CONTROLLER_CONFIG', 'give a CA or a dispatcher, not both');
    this.dispatcher = options.ca ? new Agent({ connect: { ca: options.ca } }) : options.dispatcher;
    // A corrupt state file throws here: starting without the rollback floor would be failing open.
    this.enforced = readState(options.stateFile);
  }

  /** The signed issue time and revision of the bundle in force (from the state file at start). */
  get enforcedState(): EnforcedState | undefined {
    return this.enforced;
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
    // Its own pinned Agent is closed (and replaced, so start() works again).
    if (this.o.ca) {
      const old = this.dispatcher as Agent;
      this.dispatcher = new Agent({ connect: { ca: this.o.ca } });
      await old.close();
    }
  }

  /** The token file is read per request: a projected token is replaced before it expires. */
  private bearerToken(): string | undefined {
    if (!this.o.tokenFile) return this.o.token;
    try {
      return readFileSync(this.o.tokenFile, 'utf8').trim();
    } catch (err) {
      throw fetchError(`cannot read the bundle token ${this.o.tokenFile}: ${errorText(err)}`, err);
    }
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
    const token = this.bearerToken();
    if (token) headers.authorization = `Bearer ${token}`;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(this.o.url, {
        method: 'GET',
        headers,
        signal,
        dispatcher: this.dispatcher,
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
    const bytes = await readBounded(res, this.o.maxDownloadBytes ?? DEFAULT_MAX_DOWNLOAD, this.o.url);
    const etag = String(res.headers.etag ?? '');
    const { bundle, claims } = verifyBundleDetailed(bytes, this.o.key, {
      keys: this.o.keys,
      limits: this.o.limits,
    });
    const header = res.headers[REVISION_HEADER];
    const revision =
      bundle.manifest.revision || (typeof header === 'string' ? decodeURIComponent(header) : '');
    const floor = this.enforced?.iat;
    if (floor !== undefined) {
      // Revisions are content hashes (no order); the signed issue time is what orders bundles.
      if (claims?.iat === undefined)
        throw new ControllerError(
          'SM_ERR_CONTROLLER_BUNDLE_ROLLBACK',
          `bundle ${revision} carries no signed iat, but bundle ${this.enforced?.revision} signed at ${floor} is in force`,
        );
      if (claims.iat < floor)
        throw new ControllerError(
          'SM_ERR_CONTROLLER_BUNDLE_ROLLBACK',
          `bundle ${revision} was signed at ${claims.iat}, before bundle ${this.enforced?.revision} (${floor}) in force; refusing to roll back`,
        );
    }
    await this.o.onBundle({ bundle, bytes, etag, revision, claims });
    this.currentEtag = etag;
    this.currentRevision = revision;
    if (claims?.iat !== undefined) {
      this.enforced = { iat: claims.iat, revision };
      if (this.o.stateFile) writeState(this.o.stateFile, this.enforced);
    }
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

/**
 * The body, read chunk by chunk: a Content-Length over the bound is refused before reading, and a
 * body that grows past it is aborted at once — never buffered whole.
 */
async function readBounded(res: Dispatcher.ResponseData, max: number, url: string): Promise<Uint8Array> {
  const tooLarge = () =>
    new ControllerError(
      'SM_ERR_CONTROLLER_BUNDLE_TOO_LARGE',
      `the bundle from ${url} is larger than the ${max}-byte bound; download aborted`,
    );
  const declared = Number(res.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > max) {
    res.body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > max) {
      res.body.destroy();
      throw tooLarge();
    }
    chunks.push(buf);
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
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
