// A real smart-HTTP Git server for tests and benchmarks: Debian's `git http-backend` CGI behind a
// small Node HTTP wrapper on 127.0.0.1, with optional basic/bearer auth, an outage switch, and a
// helper that commits and (force-)pushes with the git CLI.
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { servingCert } from '../../test/kube-api-server/tls.js';

const run = promisify(execFile);
const HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

export interface GitServerAuth {
  username?: string;
  password?: string;
  /** Accept `Authorization: Bearer <token>` too (a token may also be sent as the basic password). */
  token?: string;
}

export interface GitServerOptions {
  /** Directory holding the bare repositories; a temporary one by default (removed on stop). */
  root?: string;
  auth?: GitServerAuth;
  /** Serve HTTPS with a fresh self-signed certificate for 127.0.0.1 (its PEM is `caCert`). */
  tls?: boolean;
}

export interface GitServer {
  /** `http://127.0.0.1:<port>` (or https with `tls`) */
  readonly url: string;
  /** PEM of the self-signed serving certificate when `tls` is on. */
  readonly caCert?: string;
  readonly root: string;
  /** URL of a repository, `http://127.0.0.1:<port>/<name>.git`. */
  repoUrl(name: string): string;
  /** Creates a bare repository served with pushes enabled; `main` is its default branch. */
  createBareRepo(name: string): Promise<string>;
  setAuth(auth: GitServerAuth | undefined): void;
  /** While false every request gets 503, as from a proxy in front of a host that is down. */
  setAvailable(up: boolean): void;
  /** Holds every answer this long (a slow or hung host). */
  setDelay(ms: number): void;
  /** Requests served (upload-pack and receive-pack calls included), for assertions on caching. */
  readonly requests: { method: string; path: string; status: number }[];
  stop(): Promise<void>;
}

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'SemaMesh Test',
      GIT_AUTHOR_EMAIL: 'test@semamesh.invalid',
      GIT_COMMITTER_NAME: 'SemaMesh Test',
      GIT_COMMITTER_EMAIL: 'test@semamesh.invalid',
      GIT_TERMINAL_PROMPT: '0',
      // Test servers use self-signed certificates; the client under test is what checks them.
      GIT_SSL_NO_VERIFY: '1',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: cwd,
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.trim();
}

function authorized(req: IncomingMessage, auth: GitServerAuth | undefined): boolean {
  if (!auth) return true;
  const header = req.headers.authorization ?? '';
  if (auth.token && header === `Bearer ${auth.token}`) return true;
  if (!header.startsWith('Basic ')) return false;
  const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
  const pass = rest.join(':');
  if (auth.token && pass === auth.token) return true;
  return auth.username !== undefined && user === auth.username && pass === auth.password;
}

/** Runs the CGI for one request and copies its answer (CGI headers, then the body) to `res`. */
function serveCgi(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  done: (status: number) => void,
): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    HOME: root,
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: 'semamesh',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);
  const child = spawn(HTTP_BACKEND, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  let head = Buffer.alloc(0);
  let headersDone = false;
  let status = 200;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const crlf = head.indexOf('\r\n\r\n');
    const lf = head.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
    if (end < 0) return;
    const sep = end === crlf ? 4 : 2;
    headersDone = true;
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
      else res.setHeader(name, value);
    }
    res.statusCode = status;
    res.write(head.subarray(end + sep));
  });
  child.on('close', () => {
    if (!headersDone) res.statusCode = status = 500;
    res.end();
    done(status);
  });
  child.on('error', () => {
    res.statusCode = 500;
    res.end();
    done(500);
  });
}

export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const ownRoot = options.root === undefined;
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'semamesh-git-')));
  let auth = options.auth;
  let up = true;
  let delayMs = 0;
  const requests: GitServer['requests'] = [];
  const cert = options.tls ? await servingCert() : undefined;
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const record = (status: number) =>
      requests.push({ method: req.method ?? '', path: req.url ?? '', status });
    if (!up) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('repository host unavailable\n');
      record(503);
      return;
    }
    if (!authorized(req, auth)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="semamesh-test"', 'content-type': 'text/plain' });
      res.end('authentication required\n');
      record(401);
      return;
    }
    serveCgi(root, req, res, record);
  };
  const server = cert ? createHttpsServer(cert, handler) : createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `${cert ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    caCert: cert?.cert,
    root,
    requests,
    repoUrl: (name) => `${url}/${name}.git`,
    async createBareRepo(name) {
      const dir = join(root, `${name}.git`);
      await mkdir(dir, { recursive: true });
      await git(dir, 'init', '--bare', '--quiet', '--initial-branch=main');
      await git(dir, 'config', 'http.receivepack', 'true');
      return dir;
    },
    setAuth(a) {
      auth = a;
    },
    setAvailable(value) {
      up = value;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownRoot) await rm(root, { recursive: true, force: true });
    },
  };
}

/** A working copy that pushes to a repository of a test server over smart HTTP. */
export class TestRepo {
  private constructor(
    readonly dir: string,
    private readonly remote: string,
  ) {}

  /** Creates the bare repository on `server` and a working copy on branch `main`. */
  static async create(server: GitServer, name: string, credentials?: { username: string; password: string }) {
    await server.createBareRepo(name);
    const dir = await mkdtemp(join(tmpdir(), 'semamesh-wc-'));
    await git(dir, 'init', '--quiet', '--initial-branch=main');
    const u = new URL(server.repoUrl(name));
    if (credentials) {
      u.username = encodeURIComponent(credentials.username);
      u.password = encodeURIComponent(credentials.password);
    }
    return new TestRepo(dir, u.toString());
  }

  async write(files: Record<string, string>): Promise<void> {
    for (const [path, text] of Object.entries(files)) {
      const abs = join(this.dir, path);
      await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, text);
    }
  }

  async remove(...paths: string[]): Promise<void> {
    for (const p of paths) await rm(join(this.dir, p), { force: true, recursive: true });
  }

  /** Stages everything and commits; returns the commit id. */
  async commit(message: string): Promise<string> {
    await git(this.dir, 'add', '-A');
    await git(this.dir, 'commit', '--quiet', '--allow-empty', '-m', message);
    return git(this.dir, 'rev-parse', 'HEAD');
  }

  async commitFiles(message: string, files: Record<string, string>): Promise<string> {
    await this.write(files);
    return this.commit(message);
  }

  async push(options: { force?: boolean; branch?: string } = {}): Promise<void> {
    const branch = options.branch ?? 'main';
    await git(
      this.dir,
      'push',
      '--quiet',
      ...(options.force ? ['--force'] : []),
      this.remote,
      `HEAD:refs/heads/${branch}`,
    );
  }

  async tag(name: string, annotated = false): Promise<void> {
    await git(this.dir, 'tag', ...(annotated ? ['-a', '-m', name] : []), name);
    await git(this.dir, 'push', '--quiet', this.remote, `refs/tags/${name}`);
  }

  /** Moves the working copy to an older commit (then `push({force: true})` rewrites the branch). */
  async resetHard(commit: string): Promise<void> {
    await git(this.dir, 'reset', '--quiet', '--hard', commit);
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
