// The controller's bundle service: serves published bundles over OPA's bundle HTTP API (strong
// ETags, If-None-Match → 304, `Prefer: wait=N` long polling) so waypoints and real OPAs can pull them.
// Only the leader serves: a replica that does not lead (or no longer does) answers 503, so waypoints
// behind the Service never alternate between an old and a new policy. In a cluster it serves TLS
// only, and each request's bearer token is checked by an authenticator (TokenReview with the
// bundle audience, token-review.ts) before anything else is looked at.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ControllerError, type ControllerErrorCode, configError } from '../errors.js';
import type { BundleAuthenticator } from './token-review.js';

export const BUNDLE_CONTENT_TYPE = 'application/vnd.openpolicyagent.bundles';
export const REVISION_HEADER = 'x-semamesh-bundle-revision';

export interface BundleServerOptions {
  /** When set, every request must carry `Authorization: Bearer <token>` (a shared secret; local use). */
  token?: string;
  /** When set, every request's bearer token must pass it (401/403 otherwise); exclusive with `token`. */
  authenticate?: BundleAuthenticator;
  /** Serve HTTPS only, with this PEM certificate chain and key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Upper bound on a client's `Prefer: wait=N`, in seconds. Default 300. */
  maxWaitSeconds?: number;
  /** URL prefix the bundles live under. Default `/bundles/`. */
  prefix?: string;
  /**
   * Asked on every request (leader election: is the Lease still ours by the clock now?); false
   * answers 503 SM_ERR_CONTROLLER_NOT_LEADER even before `setServing(false)` has been called.
   */
  leading?: () => boolean;
}

export interface PublishedBundle {
  name: string;
  bytes: Buffer;
  /** Quoted strong ETag: the SHA-256 of the bytes. */
  etag: string;
  revision: string;
  publishedAt: Date;
}

interface Waiter {
  req: IncomingMessage;
  res: ServerResponse;
  timer: NodeJS.Timeout;
}

const NAME = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;

function validName(name: string): boolean {
  return NAME.test(name) && !name.split('/').some((s) => s === '.' || s === '..');
}

/** Seconds from a `Prefer` header such as `wait=30` or OPA's `modes=snapshot,delta;wait=30`. */
export function preferWait(header: string | string[] | undefined): number {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const m = /(?:^|[\s;,])wait\s*=\s*"?(\d{1,9})"?/i.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Whether `If-None-Match` names the current ETag (weak comparison, lists and `*` allowed). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}

export class BundleServer {
  private readonly bundles = new Map<string, PublishedBundle>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly token: Buffer | undefined;
  private readonly authenticate: BundleAuthenticator | undefined;
  private tls: BundleServerOptions['tls'];
  private readonly maxWait: number;
  private readonly prefix: string;
  private server: Server | undefined;
  private serving = true;
  private readonly leading: () => boolean;

  constructor(options: BundleServerOptions = {}) {
    if (options.token !== undefined && options.token.length === 0)
      throw configError('the bearer token is empty');
    if (options.token !== undefined && options.authenticate)
      throw configError('give a shared bearer token or an authenticator, not both');
    this.token = options.token === undefined ? undefined : Buffer.from(`Bearer ${options.token}`);
    this.authenticate = options.authenticate;
    this.tls = options.tls;
    this.maxWait = options.maxWaitSeconds ?? 300;
    this.prefix = options.prefix ?? '/bundles/';
    this.leading = options.leading ?? (() => true);
    if (!this.prefix.startsWith('/') || !this.prefix.endsWith('/'))
      throw configError(`the bundle prefix must start and end with "/": ${JSON.stringify(this.prefix)}`);
  }

  /** Replaces what `name` serves (one assignment, so a reader sees the old or the new bundle) and wakes long-pollers. */
  publish(name: string, bytes: Uint8Array, revision: string): PublishedBundle {
    if (!this.serving) throw configError(`bundle ${name}: this replica does not lead; refusing to publish`);
    if (!validName(name)) throw configError(`invalid bundle name ${JSON.stringify(name)}`);
    if (bytes.length === 0) throw configError(`bundle ${name}: refusing to publish an empty body`);
    const body = Buffer.from(bytes);
    const etag = `"${createHash('sha256').update(body).digest('hex')}"`;
    const old = this.bundles.get(name);
    if (old && old.etag === etag && old.revision === revision) return old;
    const published: PublishedBundle = { name, bytes: body, etag, revision, publishedAt: new Date() };
    this.bundles.set(name, published);
    this.wake(name);
    return published;
  }

  get(name: string): PublishedBundle | undefined {
    return this.bundles.get(name);
  }

  /**
   * Leader election: while off, every bundle request answers 503 SM_ERR_CONTROLLER_NOT_LEADER and
   * what was published is dropped (a deposed leader's bundle is stale the moment it is deposed);
   * held long polls are answered 503 at once so their waypoints reconnect to the leader.
   */
  setServing(on: boolean): void {
    if (on === this.serving) return;
    this.serving = on;
    if (on) return;
    this.bundles.clear();
    for (const set of this.waiters.values())
      for (const w of set) {
        clearTimeout(w.timer);
        if (!w.res.headersSent && !w.res.destroyed) this.notLeader(w.res);
      }
    this.waiters.clear();
  }

  get isServing(): boolean {
    return this.serving;
  }

  private notLeader(res: ServerResponse): void {
    res.setHeader('Retry-After', '2');
    this.fail(
      res,
      503,
      'SM_ERR_CONTROLLER_NOT_LEADER',
      'this controller replica does not lead; it serves no bundle',
    );
  }

  /** Long-poll requests being held right now (all bundles). */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /** The request listener, for mounting on an existing node:http server. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const failed = (err: unknown) => {
      if (!res.headersSent) this.fail(res, 500, 'SM_ERR_CONTROLLER_CONFIG', (err as Error).message);
      else res.destroy();
    };
    try {
      if (!this.authenticate) {
        this.route(req, res);
        return;
      }
      this.authenticated(req, res)
        .then((ok) => {
          if (ok) this.route(req, res);
        })
        .catch(failed);
    } catch (err) {
      failed(err);
    }
  };

  /** Whether the request's bearer token passes the authenticator; answers 401/403 (or 503) when not. */
  private async authenticated(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const m = /^Bearer ([^\s]+)$/.exec(req.headers.authorization ?? '');
    let result: Awaited<ReturnType<BundleAuthenticator>>;
    try {
      result = await (this.authenticate as BundleAuthenticator)(m?.[1]);
    } catch (err) {
      // The API server could not be asked: nobody gets a bundle, and the poller retries.
      res.setHeader('Retry-After', '2');
      this.fail(
        res,
        503,
        'SM_ERR_CONTROLLER_UNAUTHORIZED',
        `cannot review the token: ${(err as Error).message}`,
      );
      return false;
    }
    if (result.ok) return true;
    if (result.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="semamesh-bundles"');
    this.fail(
      res,
      result.status,
      result.status === 401 ? 'SM_ERR_CONTROLLER_UNAUTHORIZED' : 'SM_ERR_CONTROLLER_FORBIDDEN',
      result.reason,
    );
    return false;
  }

  /**
   * Swaps in a renewed certificate and key (cert-manager or a re-run of gen-secrets.sh replace the
   * Secret; the kubelet updates the files): new connections get it, open ones keep theirs.
   */
  reloadTls(tls: { cert: string | Buffer; key: string | Buffer }): void {
    if (!this.tls) throw configError('this bundle server was started without TLS');
    this.tls = tls;
    if (this.server instanceof HttpsServer) this.server.setSecureContext({ ...tls });
  }

  /** `https:` when the server was given a certificate. */
  get scheme(): 'http' | 'https' {
    return this.tls ? 'https' : 'http';
  }

  listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    const server = this.tls
      ? createTlsServer({ keepAliveTimeout: 65_000, ...this.tls, minVersion: 'TLSv1.2' }, this.handle)
      : createServer({ keepAliveTimeout: 65_000 }, this.handle);
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (err) =>
        reject(
          new ControllerError('SM_ERR_CONTROLLER_LISTEN', `cannot listen on ${host}:${port}`, { cause: err }),
        ),
      );
      server.listen(port, host, () => resolve(server.address() as AddressInfo));
    });
  }

  /** Answers held long-polls with 304 (nothing changed), then stops the listener. */
  async close(): Promise<void> {
    for (const [name, set] of this.waiters) {
      for (const w of set) {
        clearTimeout(w.timer);
        this.respond(w.req, w.res, name, 0);
      }
    }
    this.waiters.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      this.fail(res, 405, 'SM_ERR_CONTROLLER_METHOD', `method ${req.method} is not allowed`);
      return;
    }
    if (this.token) {
      const got = Buffer.from(req.headers.authorization ?? '');
      if (got.length !== this.token.length || !timingSafeEqual(got, this.token)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="semamesh-bundles"');
        this.fail(res, 401, 'SM_ERR_CONTROLLER_UNAUTHORIZED', 'a valid bearer token is required');
        return;
      }
    }
    if (!this.serving || !this.leading()) {
      this.notLeader(res);
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    let name = '';
    try {
      name = path.startsWith(this.prefix) ? decodeURIComponent(path.slice(this.prefix.length)) : '';
    } catch {
      name = '';
    }
    if (!validName(name)) {
      this.fail(res, 404, 'SM_ERR_CONTROLLER_BUNDLE_NOT_FOUND', `no bundle at ${JSON.stringify(path)}`);
      return;
    }
    this.respond(req, res, name, Math.min(preferWait(req.headers.prefer), this.maxWait));
  }

  /** Serves the current bundle, 304s an unchanged one, or holds the request for `wait` seconds. */
  private respond(req: IncomingMessage, res: ServerResponse, name: string, wait: number): void {
    if (res.destroyed || res.headersSent) return;
    const current = this.bundles.get(name);
    const unchanged = current !== undefined && etagMatches(req.headers['if-none-match'], current.etag);
    if ((unchanged || !current) && wait > 0) {
      this.hold(req, res, name, wait);
      return;
    }
    if (!current) {
      this.fail(res, 404, 'SM_ERR_CONTROLLER_BUNDLE_NOT_FOUND', `bundle ${name} is not published yet`);
      return;
    }
    // Content-Type on 304 too: OPA decides from it whether the server supports long polling.
    res.setHeader('Content-Type', BUNDLE_CONTENT_TYPE);
    res.setHeader('ETag', current.etag);
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader(REVISION_HEADER, encodeURIComponent(current.revision));
    if (unchanged) {
      res.writeHead(304).end();
      return;
    }
    res.setHeader('Content-Length', current.bytes.length);
    res.writeHead(200);
    res.end(req.method === 'HEAD' ? undefined : current.bytes);
  }

  private hold(req: IncomingMessage, res: ServerResponse, name: string, wait: number): void {
    let set = this.waiters.get(name);
    if (!set) {
      set = new Set();
      this.waiters.set(name, set);
    }
    const waiters = set;
    const waiter: Waiter = {
      req,
      res,
      timer: setTimeout(() => {
        waiters.delete(waiter);
        this.respond(req, res, name, 0);
      }, wait * 1000),
    };
    waiters.add(waiter);
    res.once('close', () => {
      clearTimeout(waiter.timer);
      waiters.delete(waiter);
    });
  }

  private wake(name: string): void {
    const set = this.waiters.get(name);
    if (!set || set.size === 0) return;
    this.waiters.delete(name);
    for (const w of set) {
      clearTimeout(w.timer);
      this.respond(w.req, w.res, name, 0);
    }
  }

  private fail(res: ServerResponse, status: number, code: ControllerErrorCode, message: string): void {
    const body = JSON.stringify({ code, message });
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
}
