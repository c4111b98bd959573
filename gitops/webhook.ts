// Webhook receiver: `POST /hooks/<namespace>/<name>` (or `/hooks/<namespace>.<name>`) with a
// GitHub-style `X-Hub-Signature-256` HMAC over the raw body, checked in constant time, triggers an
// immediate sync of that SemaPolicySource. The secret comes from memory (never an API call made for
// an unauthenticated request), and a delivery is accepted once: its id must be new and the time it
// carries inside the signed body must be within the replay window.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitopsError } from './errors.js';
import type { SourceRef } from './reconciler.js';

export interface WebhookOptions {
  /** Shared secret(s) per source id `<ns>.<name>`, or one for all. */
  secretFor: (ref: SourceRef) => string | undefined | Promise<string | undefined>;
  /** Known source? Unknown ones get 404 (after the signature check, so names do not leak). */
  has: (ref: SourceRef) => boolean;
  /** Starts a sync; the HTTP answer (202) does not wait for it. */
  trigger: (ref: SourceRef) => void;
  host?: string;
  port?: number;
  /** Largest accepted body. Default 1 MiB (GitHub caps payloads at 25 MB; push events are small). */
  maxBodyBytes?: number;
  /** How far a delivery's signed time may be from now, and how long delivery ids are remembered. Default 10 min. */
  replayWindowMs?: number;
  now?: () => number;
}

/**
 * The time a delivery was made, from inside the signed body (GitHub's push `repository.pushed_at`
 * in seconds or `head_commit.timestamp`, or a top-level `timestamp`), in ms; undefined when absent.
 */
export function signedTime(body: Buffer): number | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const o = (doc ?? {}) as {
    repository?: { pushed_at?: unknown };
    head_commit?: { timestamp?: unknown };
    timestamp?: unknown;
  };
  const asMs = (v: unknown): number | undefined => {
    if (typeof v === 'number' && Number.isFinite(v)) return v < 1e12 ? v * 1000 : v;
    if (typeof v === 'string') {
      const t = Date.parse(v);
      return Number.isNaN(t) ? undefined : t;
    }
    return undefined;
  };
  return asMs(o.repository?.pushed_at) ?? asMs(o.head_commit?.timestamp) ?? asMs(o.timestamp);
}

/** Delivery ids seen within the window (bounded: the oldest are forgotten first). */
class DeliveryLog {
  private readonly seen = new Map<string, number>();
  constructor(private readonly max = 10_000) {}

  /** Records `id`; false when it was already seen and has not expired. */
  add(id: string, now: number, windowMs: number): boolean {
    for (const [k, t] of this.seen) {
      if (t > now - windowMs && this.seen.size < this.max) break;
      this.seen.delete(k);
    }
    const t = this.seen.get(id);
    if (t !== undefined && t > now - windowMs) return false;
    this.seen.set(id, now);
    return true;
  }
}

const deliveryLogs = new WeakMap<WebhookOptions, DeliveryLog>();

export interface WebhookServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** `sha256=<hex>` of the body, as GitHub sends it. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of an `X-Hub-Signature-256` header. */
export function verifySignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const want = Buffer.from(signBody(secret, body));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** `/hooks/ns/name` or `/hooks/ns.name` → the source; undefined for any other path. */
export function parseHookPath(pathname: string): SourceRef | undefined {
  const m = /^\/hooks\/([a-z0-9-]{1,63})[/.]([a-z0-9][a-z0-9.-]{0,252})$/.exec(pathname);
  return m ? { namespace: m[1], name: m[2] } : undefined;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('too large'));
        req.destroy();
      } else parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function handleWebhook(
  options: WebhookOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const ref = parseHookPath(url.pathname);
  if (!ref) return reply(res, 404, { error: 'not found' });
  if (req.method !== 'POST') return reply(res, 405, { error: 'use POST' });
  let body: Buffer;
  try {
    body = await readBody(req, options.maxBodyBytes ?? 1024 * 1024);
  } catch {
    return reply(res, 413, { error: 'body too large' });
  }
  const secret = await options.secretFor(ref);
  const signature = req.headers['x-hub-signature-256'];
  if (!secret || !verifySignature(secret, body, Array.isArray(signature) ? signature[0] : signature)) {
    const err = new GitopsError('SM_ERR_GITOPS_WEBHOOK_SIGNATURE', 'missing or invalid X-Hub-Signature-256');
    return reply(res, 401, { code: err.code, error: err.message });
  }
  if (!options.has(ref)) {
    const err = new GitopsError(
      'SM_ERR_GITOPS_WEBHOOK_SOURCE',
      `no SemaPolicySource ${ref.namespace}/${ref.name} is watched`,
    );
    return reply(res, 404, { code: err.code, error: err.message });
  }
  // GitHub's ping event proves the hook works; it is not a push and triggers nothing.
  if (req.headers['x-github-event'] === 'ping') return reply(res, 200, { ok: true, ping: true });
  // Replay: a captured delivery, even validly signed, triggers once and only while it is fresh.
  const windowMs = options.replayWindowMs ?? 10 * 60_000;
  const now = (options.now ?? Date.now)();
  const replay = (message: string) => {
    const err = new GitopsError('SM_ERR_GITOPS_WEBHOOK_REPLAY', message);
    return reply(res, 409, { code: err.code, error: err.message });
  };
  const when = signedTime(body);
  if (when === undefined || Math.abs(now - when) > windowMs)
    return replay('the delivery carries no signed time within the replay window');
  const idHeader = req.headers['x-github-delivery'] ?? req.headers['x-semamesh-delivery'];
  const id = Array.isArray(idHeader) ? idHeader[0] : idHeader;
  if (!id) return replay('the delivery has no X-GitHub-Delivery id');
  let log = deliveryLogs.get(options);
  if (!log) {
    log = new DeliveryLog();
    deliveryLogs.set(options, log);
  }
  if (!log.add(`${ref.namespace}/${ref.name}/${id}`, now, windowMs))
    return replay(`delivery ${id} was already received`);
  options.trigger(ref);
  return reply(res, 202, { ok: true, source: `${ref.namespace}/${ref.name}` });
}

export async function startWebhookServer(options: WebhookOptions): Promise<WebhookServer> {
  const server = createServer((req, res) => {
    handleWebhook(options, req, res).catch(() => {
      if (!res.headersSent) reply(res, 500, { error: 'internal error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
