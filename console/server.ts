// The console's HTTP server: the page and its assets (served from this package and node_modules,
// no CDN), a JSON API, a server-sent-events stream, and the approve/terminate actions. Every API
// request carries a bearer token checked by the Authenticator; nothing is served anonymously but
// the static page shell, which holds no data.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import {
  type Access,
  type Authenticator,
  decideAccess,
  type Identity,
  REPORT_ACCESS,
  VIEW_ACCESS,
} from './auth.js';
import type { DecisionLog } from './decision-log.js';
import { CONSOLE_ERROR_CODES, ConsoleError } from './errors.js';
import type { BudgetView, ConsoleSnapshot, IncidentView, PolicyView } from './types.js';

/** Where the console reads what the decision log does not hold, and performs the human decisions. */
export interface ConsoleBackend {
  incidents(): Promise<IncidentView[]>;
  policies(): Promise<PolicyView[]>;
  budgets(): Promise<BudgetView[]>;
  decide(namespace: string, name: string, action: 'approve' | 'terminate', by: Identity): Promise<void>;
}

export interface ConsoleOptions {
  authenticator: Authenticator;
  backend: ConsoleBackend;
  decisions: DecisionLog;
  /** `local` or `cluster`, shown in the header. */
  mode: string;
  /** Accept decision reports from waypoints at POST /console/api/decisions (controller). */
  acceptReports?: boolean;
  logger?: Logger | false;
  /** How often open streams get a fresh snapshot besides on new decisions (default 5 s). */
  refreshMs?: number;
}

export interface ConsoleServer {
  app: FastifyInstance;
  /** Resolves to the base URL (`http://host:port/console/`). */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

const WEB = new URL('./web/', import.meta.url);
const VENDOR: Record<string, string> = {
  'preact.mjs': 'preact',
  'hooks.mjs': 'preact/hooks',
  'htm.mjs': 'htm',
};
const IMPORT_MAP = JSON.stringify({
  imports: {
    preact: '/console/vendor/preact.mjs',
    'preact/hooks': '/console/vendor/hooks.mjs',
    htm: '/console/vendor/htm.mjs',
  },
});

function vendorPath(spec: string): string {
  return fileURLToPath(import.meta.resolve(spec));
}

/** The page with its import map inlined; the CSP allows exactly that inline script by hash. */
function page(): { html: string; csp: string } {
  const html = readFileSync(new URL('index.html', WEB), 'utf8').replace('%IMPORT_MAP%', IMPORT_MAP);
  const hash = createHash('sha256').update(IMPORT_MAP).digest('base64');
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
  return { html, csp };
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer ([^\s]+)$/i.exec(h.trim()) : null;
  return m?.[1];
}

function sendError(reply: FastifyReply, err: unknown): FastifyReply {
  const e =
    err instanceof ConsoleError
      ? err
      : new ConsoleError(CONSOLE_ERROR_CODES.BACKEND, 502, err instanceof Error ? err.message : String(err));
  return reply.code(e.status).type('application/json').send({ code: e.code, message: e.message });
}

export async function createConsoleServer(options: ConsoleOptions): Promise<ConsoleServer> {
  const { authenticator, backend, decisions } = options;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 1024 * 1024, return503OnClosing: true });
  const { html, csp } = page();
  const streams = new Set<() => void>();
  /** Ask every open stream for a fresh snapshot (after an action changed an incident). */
  const nudges = new Set<() => void>();

  /** Authenticates, then authorises `access`; throws a coded 401/403. */
  async function allow(req: FastifyRequest, access: Access): Promise<Identity> {
    const token = bearer(req);
    if (!token)
      throw new ConsoleError(CONSOLE_ERROR_CODES.UNAUTHENTICATED, 401, 'a bearer token is required');
    let identity: Identity | undefined;
    try {
      identity = await authenticator.authenticate(token);
    } catch (err) {
      throw new ConsoleError(CONSOLE_ERROR_CODES.BACKEND, 502, `cannot check the token: ${String(err)}`, {
        cause: err,
      });
    }
    if (!identity)
      throw new ConsoleError(CONSOLE_ERROR_CODES.UNAUTHENTICATED, 401, 'the token was not accepted');
    let allowed = false;
    try {
      allowed = await authenticator.authorize(identity, access);
    } catch (err) {
      throw new ConsoleError(CONSOLE_ERROR_CODES.BACKEND, 502, `cannot check access: ${String(err)}`, {
        cause: err,
      });
    }
    if (!allowed) {
      const what = `${access.verb} ${access.resource}${access.subresource ? `/${access.subresource}` : ''}`;
      const where = access.namespace ? ` in namespace ${access.namespace}` : '';
      throw new ConsoleError(
        CONSOLE_ERROR_CODES.FORBIDDEN,
        403,
        `${identity.username} may not ${what}.${access.group}${where}`,
      );
    }
    return identity;
  }

  async function snapshot(identity: Identity): Promise<ConsoleSnapshot> {
    const warnings: string[] = [];
    const safely = async <T>(what: string, read: () => Promise<T[]>): Promise<T[]> => {
      try {
        return await read();
      } catch (err) {
        warnings.push(`cannot read ${what}: ${err instanceof Error ? err.message : String(err)}`);
        return [];
      }
    };
    const [incidents, policies, budgets] = await Promise.all([
      safely('incidents', () => backend.incidents()),
      safely('policies', () => backend.policies()),
      safely('budgets', () => backend.budgets()),
    ]);
    return {
      generatedAt: new Date().toISOString(),
      mode: options.mode,
      user: identity.username,
      agents: decisions.agentList().slice(0, 200),
      decisions: decisions.recent(100),
      spend: decisions.spendRows().slice(0, 200),
      budgets,
      violations: decisions.violations(),
      incidents,
      policies,
      warnings,
    };
  }

  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    if (err instanceof ConsoleError) return sendError(reply, err);
    if ((err.statusCode ?? 500) < 500)
      return sendError(reply, new ConsoleError(CONSOLE_ERROR_CODES.BAD_REQUEST, 400, err.message));
    return sendError(reply, err);
  });

  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cache-control', 'no-store');
  });

  app.get('/', (_req, reply) => reply.redirect('/console/'));
  app.get('/console', (_req, reply) => reply.redirect('/console/'));
  app.get('/console/', (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', csp).send(html),
  );
  for (const file of ['app.js', 'api.js', 'charts.js', 'html.js', 'style.css']) {
    const type = TYPES[file.slice(file.lastIndexOf('.'))];
    app.get(`/console/${file}`, (_req, reply) => reply.type(type).send(readFileSync(new URL(file, WEB))));
  }
  for (const [file, spec] of Object.entries(VENDOR)) {
    const path = vendorPath(spec);
    app.get(`/console/vendor/${file}`, (_req, reply) => reply.type(TYPES['.mjs']).send(readFileSync(path)));
  }

  app.get('/console/api/whoami', async (req) => {
    const identity = await allow(req, VIEW_ACCESS);
    return { user: identity.username, groups: identity.groups, mode: options.mode };
  });

  app.get('/console/api/snapshot', async (req) => snapshot(await allow(req, VIEW_ACCESS)));

  app.get('/console/api/events', async (req, reply) => {
    const identity = await allow(req, VIEW_ACCESS);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    let closed = false;
    let pending: NodeJS.Timeout | undefined;
    const push = async () => {
      pending = undefined;
      if (closed) return;
      const s = await snapshot(identity);
      if (!closed) res.write(`event: snapshot\ndata: ${JSON.stringify(s)}\n\n`);
    };
    // Bursts of decisions become one snapshot per 250 ms.
    const soon = () => {
      pending ??= setTimeout(() => void push().catch(() => {}), 250);
    };
    const unsubscribe = decisions.subscribe(soon);
    nudges.add(soon);
    const refresh = setInterval(soon, options.refreshMs ?? 5000);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const stop = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(refresh);
      clearInterval(heartbeat);
      if (pending) clearTimeout(pending);
      streams.delete(stop);
      nudges.delete(soon);
      res.end();
    };
    streams.add(stop);
    res.on('close', stop);
    await push().catch(stop);
  });

  app.post<{ Params: { namespace: string; name: string; action: string } }>(
    '/console/api/incidents/:namespace/:name/:action',
    async (req) => {
      const { namespace, name, action } = req.params;
      if (action !== 'approve' && action !== 'terminate')
        throw new ConsoleError(CONSOLE_ERROR_CODES.BAD_REQUEST, 400, `unknown action "${action}"`);
      const identity = await allow(req, decideAccess(namespace));
      await backend.decide(namespace, name, action, identity);
      for (const nudge of nudges) nudge();
      return { ok: true, namespace, name, action, by: identity.username };
    },
  );

  if (options.acceptReports)
    app.post('/console/api/decisions', async (req) => {
      await allow(req, REPORT_ACCESS);
      const body = req.body;
      const records = Array.isArray(body) ? body : [body];
      if (records.length > 1000)
        throw new ConsoleError(CONSOLE_ERROR_CODES.BAD_REQUEST, 400, 'at most 1000 records per report');
      let accepted = 0;
      for (const r of records) if (decisions.record(r, 'waypoint')) accepted++;
      return { accepted };
    });

  return {
    app,
    async listen(port, host = '127.0.0.1') {
      const address = await app.listen({ port, host });
      return `${address}/console/`;
    },
    async close() {
      for (const stop of [...streams]) stop();
      await app.close();
    },
  };
}
