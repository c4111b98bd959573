// startKubeApiServer: an in-process Kubernetes API server for tests, on 127.0.0.1 over HTTP or
// HTTPS with an optional bearer token, driven by the real @kubernetes/client-node via a kubeconfig.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { crdLoadFailed, listenFailed } from './errors.js';
import { kubeconfigYaml, loadKubeConfig } from './kubeconfig.js';
import { isObject } from './object-meta.js';
import { ObjectStore } from './object-store.js';
import { Operations, type Target } from './operations.js';
import { Registry } from './registry.js';
import type { KubeObject } from './resource-types.js';
import { ApiError, methodNotAllowed, pathNotFound, tooLarge, unauthorized } from './status.js';
import { servingCert } from './tls.js';
import { type ActiveWatch, parseWatchStart, startWatch } from './watch.js';

export interface KubeApiServerOptions {
  /** HTTPS with a self-signed certificate (its CA data goes into the kubeconfig). Default false. */
  tls?: boolean;
  /** When set, every API request needs `Authorization: Bearer <token>` (401 otherwise). */
  token?: string;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /**
   * CRDs to register at start: `true` for this repository's deploy/crds, a file or directory path,
   * or CRD objects. Default false.
   */
  crds?: boolean | string | KubeObject[];
  /** Namespaces created at start besides default, kube-system, kube-public, kube-node-lease. */
  namespaces?: string[];
  /** Context namespace in the kubeconfig. Default `default`. */
  contextNamespace?: string;
  /** Change events kept for watches to resume from; older resourceVersions get 410. Default 1000. */
  watchHistorySize?: number;
  /** BOOKMARK interval for watches with allowWatchBookmarks. Default 1000 ms. */
  bookmarkIntervalMs?: number;
  /** Watch timeout when the client sends no timeoutSeconds. Default 1800. */
  watchTimeoutSeconds?: number;
  /** The real server answers 415; `merge` treats it as a JSON merge patch. Default `reject`. */
  strategicMergeOnCustomResources?: 'reject' | 'merge';
  maxRecordedRequests?: number;
  now?: () => Date;
  /**
   * Serves TokenReview and SubjectAccessReview (create-only, answered in the body): `users` maps
   * bearer tokens to identities, `allowed` plays RBAC for a user and the review's resourceAttributes.
   */
  reviews?: {
    users: Record<string, { username: string; groups?: string[] }>;
    allowed(user: { username: string; groups: string[] }, attributes: Record<string, unknown>): boolean;
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  contentType: string | undefined;
  status: number;
}

export interface KubeApiServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Loaded with kubeconfigYaml; current context points at this server. */
  readonly kubeconfig: KubeConfig;
  readonly kubeconfigYaml: string;
  /** A file holding kubeconfigYaml (for KUBECONFIG or CLIs); removed by close(). */
  readonly kubeconfigPath: string;
  /** PEM of the serving certificate when tls is on. */
  readonly caCert: string | undefined;
  readonly store: ObjectStore;
  readonly registry: Registry;
  /** The last maxRecordedRequests requests, oldest first. */
  readonly requests: RecordedRequest[];
  /** Creates an object as a client would (validation, defaults, metadata), without HTTP. */
  create(obj: KubeObject): KubeObject;
  /** Ends every open watch cleanly; informers then reconnect from their last resourceVersion. */
  closeWatches(): void;
  /** Drops the watch history: resuming from any earlier resourceVersion now gets 410 Gone. */
  compact(): void;
  close(): Promise<void>;
}

const MAX_BODY = 3 * 1024 * 1024;
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const REPO_CRDS = new URL('../../deploy/crds/', import.meta.url).pathname;

const VERSION_INFO = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-semamesh-test',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.22.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

async function readCrdSource(source: string | true): Promise<KubeObject[]> {
  const path = source === true ? REPO_CRDS : source;
  try {
    const files =
      path.endsWith('.yaml') || path.endsWith('.yml') || path.endsWith('.json')
        ? [path]
        : (await readdir(path))
            .filter((f) => /\.(ya?ml|json)$/.test(f) && f !== 'kustomization.yaml')
            .sort()
            .map((f) => join(path, f));
    const out: KubeObject[] = [];
    for (const file of files) {
      for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
        if (doc.errors.length > 0) throw doc.errors[0];
        const obj = doc.toJS();
        if (isObject(obj) && obj.kind === 'CustomResourceDefinition') out.push(obj as KubeObject);
      }
    }
    return out;
  } catch (err) {
    throw crdLoadFailed(`cannot read CRDs from ${path}`, err);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(tooLarge());
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const REVIEW_PATHS = new Set([
  '/apis/authentication.k8s.io/v1/tokenreviews',
  '/apis/authorization.k8s.io/v1/subjectaccessreviews',
]);

function answerReview(
  path: string,
  review: { spec?: Record<string, unknown> },
  reviews: NonNullable<KubeApiServerOptions['reviews']>,
): unknown {
  const spec = review.spec ?? {};
  if (path.endsWith('/tokenreviews')) {
    const user = reviews.users[String(spec.token ?? '')];
    return {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      metadata: {},
      spec,
      status: user
        ? { authenticated: true, user: { username: user.username, groups: user.groups ?? [] } }
        : { authenticated: false, error: 'invalid bearer token' },
    };
  }
  const user = { username: String(spec.user ?? ''), groups: (spec.groups as string[] | undefined) ?? [] };
  const allowed = reviews.allowed(user, (spec.resourceAttributes as Record<string, unknown>) ?? {});
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec,
    status: { allowed, ...(allowed ? {} : { reason: 'no RBAC rule allows it' }) },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const host = options.host ?? '127.0.0.1';
  const registry = new Registry();
  const store = new ObjectStore(options.watchHistorySize ?? 1000);
  const ops = new Operations(registry, store, {
    now: options.now ?? (() => new Date()),
    strategicMergeOnCustomResources: options.strategicMergeOnCustomResources ?? 'reject',
  });
  const watches = new Set<ActiveWatch>();
  const requests: RecordedRequest[] = [];
  const maxRecorded = options.maxRecordedRequests ?? 1000;
  const watchOptions = {
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
    defaultTimeoutSeconds: options.watchTimeoutSeconds ?? 1800,
  };
  let serverAddress = '';

  /** Resolves `/api/v1/...` and `/apis/<g>/<v>/...` to a target, or undefined for discovery. */
  const resolve = (
    segments: string[],
    query: URLSearchParams,
    userAgent: string,
  ): { target: Target; watch: boolean } | undefined => {
    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api') [group, version, rest] = ['', segments[1] ?? '', segments.slice(2)];
    else [group, version, rest] = [segments[1] ?? '', segments[2] ?? '', segments.slice(3)];
    if (rest.length === 0) return undefined;
    let watch = false;
    if (rest[0] === 'watch') [watch, rest] = [true, rest.slice(1)];
    let namespace: string | undefined;
    let plural: string;
    let name: string | undefined;
    let subresource: string | undefined;
    let extra: string[];
    const nested =
      rest[0] === 'namespaces' && rest.length >= 3 ? registry.lookup(group, version, rest[2]!) : undefined;
    if (nested?.namespaced)
      [namespace, plural, name, subresource, ...extra] = rest.slice(1) as [string, string, ...string[]];
    else [plural, name, subresource, ...extra] = rest as [string, ...string[]];
    const type = registry.lookup(group, version, plural);
    if (!type || extra.length > 0) throw pathNotFound();
    if (type.namespaced && namespace === undefined && name !== undefined) throw pathNotFound();
    if (subresource !== undefined && !(subresource === 'status' && type.statusSubresource))
      throw pathNotFound();
    return {
      target: { type, version, namespace: namespace ?? '', name, subresource, query, userAgent },
      watch,
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const record = (status: number) => {
      requests.push({ method, path, query: url.search, contentType: req.headers['content-type'], status });
      if (requests.length > maxRecorded) requests.splice(0, requests.length - maxRecorded);
    };
    try {
      if (path === '/healthz' || path === '/readyz' || path === '/livez') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('ok');
        record(200);
        return;
      }
      if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`)
        throw unauthorized();
      if (options.reviews && method === 'POST' && REVIEW_PATHS.has(path)) {
        const review = JSON.parse(await readBody(req)) as { spec?: Record<string, unknown> };
        sendJson(res, 201, answerReview(path, review, options.reviews));
        record(201);
        return;
      }
      let segments: string[];
      try {
        segments = path.split('/').filter(Boolean).map(decodeURIComponent);
      } catch {
        throw new ApiError(400, 'BadRequest', `malformed path: ${path}`);
      }
      let discovery: unknown;
      if (path === '/version') discovery = VERSION_INFO;
      else if (path === '/openapi/v2')
        discovery = {
          swagger: '2.0',
          info: { title: 'Kubernetes', version: VERSION_INFO.gitVersion },
          paths: {},
          definitions: {},
        };
      else if (path === '/openapi/v3') discovery = { paths: {} };
      else if (path === '/api') discovery = registry.apiVersions(serverAddress);
      else if (path === '/apis') discovery = registry.apiGroupList();
      else if (segments[0] === 'api' && segments.length === 2)
        discovery = registry.apiResourceList('', segments[1]!);
      else if (segments[0] === 'apis' && segments.length === 2) discovery = registry.apiGroup(segments[1]!);
      else if (segments[0] === 'apis' && segments.length === 3)
        discovery = registry.apiResourceList(segments[1]!, segments[2]!);
      else if (segments[0] !== 'api' && segments[0] !== 'apis') throw pathNotFound();
      const discoveryPath = segments.length <= (segments[0] === 'api' ? 2 : 3);
      if (discoveryPath) {
        if (discovery === undefined) throw pathNotFound();
        if (method !== 'GET') throw methodNotAllowed();
        sendJson(res, 200, discovery);
        record(200);
        return;
      }
      const resolved = resolve(segments, url.searchParams, String(req.headers['user-agent'] ?? ''));
      if (!resolved) throw pathNotFound();
      const { target } = resolved;
      const isWatch =
        resolved.watch || url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
      if (method === 'GET' && isWatch && target.name !== undefined && target.subresource === undefined) {
        // Watching one object (legacy /watch/.../name) is a watch filtered on its name.
        const fields = url.searchParams.get('fieldSelector');
        url.searchParams.set('fieldSelector', `metadata.name=${target.name}${fields ? `,${fields}` : ''}`);
        target.name = undefined;
      }
      if (method === 'GET' && isWatch && target.name === undefined) {
        parseWatchStart(target);
        record(200);
        const w = startWatch(target, res, store, watchOptions, (ended) => watches.delete(ended));
        watches.add(w);
        return;
      }
      const body = method === 'GET' ? '' : await readBody(req);
      const json = (): unknown => {
        if (!body.trim()) return undefined;
        try {
          return JSON.parse(body);
        } catch (err) {
          throw new ApiError(
            400,
            'BadRequest',
            `the body of the request could not be decoded: ${(err as Error).message}`,
          );
        }
      };
      let reply: { status: number; body: unknown };
      if (method === 'GET') reply = target.name === undefined ? ops.list(target) : ops.get(target);
      else if (method === 'POST') reply = ops.create(target, json());
      else if (method === 'PUT') reply = ops.update(target, json());
      else if (method === 'PATCH') reply = ops.patch(target, String(req.headers['content-type'] ?? ''), body);
      else if (method === 'DELETE') reply = ops.delete(target, json());
      else throw methodNotAllowed();
      sendJson(res, reply.status, reply.body);
      record(reply.status);
    } catch (err) {
      const apiErr =
        err instanceof ApiError
          ? err
          : new ApiError(
              500,
              'InternalError',
              `Internal error occurred: ${(err as Error)?.message ?? String(err)}`,
            );
      if (!res.headersSent) sendJson(res, apiErr.code, apiErr.toStatus());
      else res.end();
      record(apiErr.code);
    }
  };

  const cert = options.tls ? await servingCert() : undefined;
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => res.destroy());
  };
  const server: Server = cert
    ? createHttpsServer({ cert: cert.cert, key: cert.key }, listener)
    : createHttpServer(listener);
  const port = options.port ?? 0;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err) => reject(listenFailed(host, port, err)));
    server.listen(port, host, () => resolveListen());
  });
  const address = server.address() as AddressInfo;
  serverAddress = `${host}:${address.port}`;
  const url = `${cert ? 'https' : 'http'}://${host}:${address.port}`;

  const createDirect = (obj: KubeObject): KubeObject => {
    const [group, version] = String(obj.apiVersion ?? '').includes('/')
      ? String(obj.apiVersion).split('/')
      : ['', String(obj.apiVersion ?? '')];
    const type = registry.byKind(group!, String(obj.kind));
    if (!type?.versions.includes(version!)) throw pathNotFound();
    const namespace = type.namespaced
      ? String((obj.metadata?.namespace as string | undefined) ?? 'default')
      : '';
    const target: Target = {
      type,
      version: version!,
      namespace,
      name: undefined,
      subresource: undefined,
      query: new URLSearchParams(),
      userAgent: 'kube-apiserver',
    };
    return ops.create(target, structuredClone(obj)).body as KubeObject;
  };

  try {
    for (const ns of [...SYSTEM_NAMESPACES, ...(options.namespaces ?? [])])
      createDirect({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const crds =
      options.crds === undefined || options.crds === false
        ? []
        : Array.isArray(options.crds)
          ? options.crds
          : await readCrdSource(options.crds);
    for (const crd of crds) {
      try {
        createDirect(crd);
      } catch (err) {
        throw crdLoadFailed(`CRD ${String(crd.metadata?.name)} was rejected: ${(err as Error).message}`, err);
      }
    }
  } catch (err) {
    await new Promise((r) => server.close(r));
    throw err;
  }

  const yaml = kubeconfigYaml(url, cert?.cert, options.token, options.contextNamespace ?? 'default');
  const dir = await mkdtemp(join(tmpdir(), 'kube-api-server-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, yaml, { mode: 0o600 });

  return {
    url,
    host,
    port: address.port,
    kubeconfig: loadKubeConfig(yaml),
    kubeconfigYaml: yaml,
    kubeconfigPath,
    caCert: cert?.cert,
    store,
    registry,
    requests,
    create: createDirect,
    closeWatches() {
      for (const w of [...watches]) w.end();
    },
    compact() {
      store.compact();
    },
    async close() {
      for (const w of [...watches]) w.end();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
