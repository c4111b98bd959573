// createWaypoint: the fastify proxy (raw-body, hijacked replies, keep-alive upstream pool) plus its
// admin app (/metrics, /healthz, /readyz), wired to the filter chain and the policy holder.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import Fastify, { type FastifyInstance } from 'fastify';
import { defaultCanonicalizer } from '../intent/index.js';
import { bodyInvalid, bodyTooLarge, contentType, internalError, type WaypointError } from './errors.js';
import { readFastBody, takesFastPath } from './fast-path.js';
import type { CacheOptions } from './filters/cache/index.js';
import { defaultChain } from './filters/chain.js';
import type { ClassifierRule } from './filters/classifier/index.js';
import type { Identify } from './filters/identity/index.js';
import type { QuotaBackend } from './filters/quota/index.js';
import type { RedactOptions } from './filters/redact/index.js';
import type { Canonicalizer, Filter, RequestContext } from './filters/types.js';
import { auditStdout, logOptions } from './logging.js';
import { createMetrics, type WaypointMetrics } from './metrics.js';
import { Pipeline, sendError } from './pipeline.js';
import { BundleLoader, type BundleSource } from './policy/bundle-source.js';
import type { DecisionEngine } from './policy/decision.js';
import { PolicyHolder } from './policy/holder.js';
import { loggingPauseReporter, type PauseReporter } from './policy/pause-reporter.js';
import { generic } from './providers/generic.js';
import { emptyRequest } from './providers/types.js';
import { type OriginalDestination, type RouteConfig, Router } from './routing.js';
import { lazySchemaCompilers } from './server-compilers.js';
import { canonicalTarget } from './target.js';
import { loadTokenizers } from './tokens/index.js';
import { createUpstream, ExchangeAbort, type UpstreamOptions } from './upstream/client.js';

export interface WaypointOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  adminHost?: string;
  adminPort?: number;
  /** Serve the admin app (default true; off in a worker of --workers, where the primary serves it). */
  serveAdmin?: boolean;
  routes?: RouteConfig[];
  /** Routes forwarded uninspected on a governed LLM host (default DEFAULT_PASSTHROUGH in target.ts). */
  passthrough?: readonly string[];
  /** LLM API hosts where unknown routes are refused (default DEFAULT_GOVERNED_HOSTS in target.ts). */
  governedHosts?: readonly string[];
  /** Path of the MCP endpoint (default `/mcp`). */
  mcpPath?: string;
  /** Transparent mode: the original destination of an intercepted connection. */
  originalDestination?: OriginalDestination;
  engine?: DecisionEngine;
  /** Allow requests when no decision can be made (default false); each one is counted. */
  failOpen?: boolean;
  /** Milliseconds one decision may take (default 50). */
  policyTimeoutMs?: number;
  /** Largest request body (default 10 MiB). */
  bodyLimit?: number;
  maxJsonDepth?: number;
  /**
   * Characters of text not analysed before (cache misses) one request may bring; more is refused
   * with 413 SM_ERR_WAYPOINT_ANALYSIS_BUDGET (default 2 Mi, about 100 ms of one core).
   */
  analysisBudgetChars?: number;
  /** Largest non-streaming response buffered for inspection (default 32 MiB). */
  maxResponseBytes?: number;
  /** Whole request (headers + body) must arrive within this (default 30 s), else 408. */
  requestTimeoutMs?: number;
  /** Headers must arrive within this (default 10 s), else 408. */
  headersTimeoutMs?: number;
  /** Idle keep-alive connections from agents close after this (default 65 s). */
  keepAliveTimeoutMs?: number;
  upstream?: UpstreamOptions;
  /** Where audit records go as JSON lines (default stdout, written asynchronously). */
  auditStream?: Writable;
  /** Also handed each audit record as an object (the console's feed), rather than parsing lines back. */
  onAudit?: (record: Record<string, unknown>) => void;
  auditPrompts?: boolean;
  /** Fastify/pino logger options, or false (default: level warn). */
  logger?: boolean | Record<string, unknown>;
  identify?: Identify;
  pauseReporter?: PauseReporter;
  quota?: QuotaBackend;
  /** The exact response cache for non-streaming requests (off when absent). */
  cache?: CacheOptions;
  /** Delivers policy bundles (controller poller, watched file); each good one is swapped in. */
  bundleSource?: BundleSource;
  redact?: RedactOptions;
  canonicalizer?: Canonicalizer;
  /** Guard-model classifier rules (docs/classifier.md); none by default. */
  classifiers?: ClassifierRule[];
  /** Adjusts the default chain (add, remove, reorder filters). */
  filters?: (defaults: Filter[]) => Filter[];
}

export interface Waypoint {
  app: FastifyInstance;
  admin: FastifyInstance;
  holder: PolicyHolder;
  metrics: WaypointMetrics;
  /** Loads bundles from `bundleSource` (or anything calling `deliver`) into the holder. */
  bundles: BundleLoader;
  listen(): Promise<{ url: string; adminUrl: string }>;
  close(): Promise<void>;
}

/**
 * One audit record as a JSON line in pino's layout (`level`, `time`, the record's fields, `event`),
 * serialised by one JSON.stringify: pino's field-by-field formatting was ~4 % of a request's CPU.
 */
export function auditLine(record: Record<string, unknown>): string {
  const fields = JSON.stringify(record);
  const rest = fields.length > 2 ? `,${fields.slice(1, -1)}` : '';
  return `{"level":30,"time":"${new Date().toISOString()}"${rest},"event":"semamesh:waypoint:audit"}\n`;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/**
 * V8 moves an allocation site to the old generation once most of what it allocated survived a
 * young-generation GC — which a request spanning a GC makes true of its parse output. From then
 * on each request's message objects are born old and keep their texts (young) alive through every
 * scavenge into the old space, until a full GC: on the 400 KB conversation of
 * bench/waypoint-wrk.sh, 3–9 MB promoted per scavenge and a 10–60 ms full GC every few dozen
 * requests in some runs (--trace-pretenuring-statistics shows the sites tenured), ~0.1 MB and none
 * with pretenuring off; the 1 KB chat is unchanged. Set for the whole process, once.
 */
let pretenuringOff = false;
function turnPretenuringOff(): void {
  if (pretenuringOff) return;
  pretenuringOff = true;
  setFlagsFromString('--no-allocation-site-pretenuring');
}

export async function createWaypoint(options: WaypointOptions = {}): Promise<Waypoint> {
  turnPretenuringOff();
  const bodyLimit = options.bodyLimit ?? 10 * 1024 * 1024;
  const router = new Router(options);
  const metrics = createMetrics();
  const holder = new PolicyHolder(
    {
      timeoutMs: options.policyTimeoutMs,
      failOpen: options.failOpen,
      onFailOpen: (reason) => metrics.failOpen(reason),
      onFailure: (f) => metrics.policyFailure(f.reason, f.scope, f.namespace),
    },
    options.engine,
  );
  const tokenizers = await loadTokenizers();
  const upstream = createUpstream(options.upstream);
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const headersTimeout = Math.min(options.headersTimeoutMs ?? 10_000, requestTimeout);

  // Set when the app starts closing: from then on every request goes through fastify, which answers
  // 503 (return503OnClosing) as it did before the fast path existed.
  let closing = false;

  // The request target is parsed once, here: every later stage (routing, filters, forwarding) sees
  // the canonical path, so what is inspected is exactly what is forwarded.
  const canonical =
    (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
    (req: IncomingMessage, res: ServerResponse): void => {
      const raw = req.url ?? '/';
      try {
        const t = canonicalTarget(raw);
        req.url = t.path + t.query;
      } catch (err) {
        const e = err as WaypointError;
        metrics.request(generic.name, 'unknown', e.status);
        sendError(res, router.refusalProvider(req.method ?? 'GET', '/', req.socket), e);
        return;
      }
      if (!closing && takesFastPath(req, bodyLimit))
        readFastBody(req, (body) => fastExchange(req, res, body));
      else handler(req, res);
    };

  const serverFactory = (handler: (req: IncomingMessage, res: ServerResponse) => void): Server =>
    createServer(
      {
        requestTimeout,
        headersTimeout,
        keepAliveTimeout: options.keepAliveTimeoutMs ?? 65_000,
        // Node checks the two timeouts on this interval (30 s by default): keep it fine-grained.
        connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 2))),
      },
      canonical(handler),
    );

  const app = Fastify({
    logger: options.logger ?? { ...logOptions('semamesh-waypoint', 'warn'), stream: process.stderr },
    bodyLimit,
    requestTimeout,
    return503OnClosing: true,
    serverFactory,
    schemaController: lazySchemaCompilers(),
  });
  const log = app.log;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const auditDestination = options.auditStream ? undefined : auditStdout();
  const auditOut: { write(line: string): unknown } = options.auditStream ?? auditDestination!;

  const filters = defaultChain({
    holder,
    canonicalizer: options.canonicalizer ?? defaultCanonicalizer(),
    tokenizers,
    metrics,
    pauseReporter: options.pauseReporter ?? loggingPauseReporter((o, m) => log.warn(o, m)),
    log,
    upstream,
    audit: {
      write: (record) => {
        auditOut.write(auditLine(record));
        options.onAudit?.(record);
      },
    },
    auditPrompts: options.auditPrompts,
    identify: options.identify,
    quota: options.quota,
    cache: options.cache ? { ...options.cache, metrics } : undefined,
    redact: options.redact,
    maxJsonDepth: options.maxJsonDepth,
    analysisBudgetChars: options.analysisBudgetChars,
    classifiers: options.classifiers,
  });
  const pipeline = new Pipeline(options.filters ? options.filters(filters) : filters, {
    maxResponseBytes: options.maxResponseBytes ?? 32 * 1024 * 1024,
  });

  // Every body arrives as the raw bytes: unmodified requests are forwarded exactly as received.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    let e: WaypointError;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') e = bodyTooLarge(bodyLimit);
    else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') e = contentType(req.headers['content-type']);
    else if ((err.statusCode ?? 500) < 500) e = bodyInvalid(err.message, err);
    else e = internalError(err);
    const provider = router.refusalProvider(req.method, req.url, req.raw.socket as Socket);
    metrics.request(provider.name, 'unknown', e.status);
    reply.hijack();
    sendError(reply.raw, provider, e);
  });

  /** One exchange, from the routed request and its whole body to the end of the response. */
  const exchange = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const socket = req.socket as Socket;
    let route: RequestContext['route'];
    try {
      route = router.resolve(method, url, socket, req.headers.host);
    } catch (err) {
      const e = err as WaypointError;
      metrics.request(generic.name, 'http', e.status ?? 500);
      sendError(res, router.refusalProvider(method, url, socket), e);
      return;
    }
    const abort = new ExchangeAbort();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const q = url.indexOf('?');
    const ctx: RequestContext = {
      id: randomUUID(),
      startedAt: performance.now(),
      method,
      path: q < 0 ? url : url.slice(0, q),
      headers: req.headers,
      remoteAddress: socket.remoteAddress ?? '',
      socket,
      route,
      provider: route.provider,
      api: route.api,
      signal: abort,
      rawBody: body,
      body: undefined,
      bodyChanged: false,
      agent: { namespace: '', pod: '', serviceAccount: '', labels: {}, cgroup: '' },
      request: emptyRequest(route.provider.name, route.api),
      features: { intents: [], pii: [], tokens: { prompt: 0, max_completion: null } },
      quota: {},
      // Captured once: both decision phases and the canonicalizer use this request's engine.
      engine: holder.current(),
      revision: '',
      decision: undefined,
      responseDecisions: [],
      failOpen: false,
      redact: false,
      stripUsage: false,
      usage: {},
      upstream: undefined,
      tracker: undefined,
      status: 0,
      error: undefined,
      audit: false,
    };
    // Lets a client (or its owner) find the exchange in the audit log.
    res.setHeader('x-semamesh-request-id', ctx.id);
    await pipeline.run(ctx, res);
  };
  // What fastify's error handler would do with an exchange that threw past the pipeline's own catch.
  const fastExchange = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    exchange(req, res, body).catch((err: unknown) => {
      log.error({ err }, 'semamesh:waypoint:exchange failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const provider = router.refusalProvider(req.method ?? 'GET', req.url ?? '/', req.socket);
      const e = internalError(err);
      metrics.request(provider.name, 'unknown', e.status);
      sendError(res, provider, e);
    });
  };

  app.route({
    method: [...METHODS],
    url: '/*',
    handler: async (req, reply) => {
      reply.hijack();
      await exchange(req.raw, reply.raw, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    },
  });

  const admin = Fastify({ logger: false, schemaController: lazySchemaCompilers() });
  admin.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  admin.get('/healthz', async () => ({ ok: true }));
  admin.get('/readyz', async (_req, reply) => {
    if (!holder.loaded) {
      reply.code(503);
      return { ready: false, reason: 'no policy loaded' };
    }
    return { ready: true, revision: holder.revision };
  });

  const bundles = new BundleLoader(holder, { metrics, log });
  let sourceStarted = false;

  return {
    app,
    admin,
    holder,
    metrics,
    bundles,
    async listen() {
      await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
      if (options.serveAdmin !== false)
        await admin.listen({ host: options.adminHost ?? '127.0.0.1', port: options.adminPort ?? 0 });
      if (options.bundleSource && !sourceStarted) {
        sourceStarted = true;
        // Listening before the first bundle is on purpose: /readyz says 503 and requests are refused
        // (fail closed) until one loads.
        await options.bundleSource.start(bundles);
      }
      const a = app.server.address() as AddressInfo;
      const b = admin.server.address() as AddressInfo | null;
      return { url: `http://${a.address}:${a.port}`, adminUrl: b ? `http://${b.address}:${b.port}` : '' };
    },
    async close() {
      if (sourceStarted) await Promise.resolve(options.bundleSource?.stop()).catch(() => undefined);
      await Promise.allSettled([app.close(), admin.close()]);
      await upstream.close();
      auditDestination?.flushSync();
    },
  };
}
