// `semamesh waypoint`: runs the governing proxy in the foreground with policies compiled from
// SemaPolicy YAML (or OPA bundles from a watched file or the controller's bundle service), budgets
// from SemaQuota YAML (SQLite or Redis store), the response cache, explicit routes, admin routes.
// This is where the waypoint's seams meet their implementations (quota/, the bundle poller).
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { BundlePoller } from '../../controller/bundle-server/poller.js';
import { type VerificationKey, verifyBundle } from '../../controller/bundle-server/signing.js';
import type { SemaQuota } from '../../engine/api/index.js';
import { api, compileResources, formatDiagnostic, type ResourceSet } from '../../engine/index.js';
import { createBudgetEngine, type QuotaBudgetEngine } from '../../quota/index.js';
import {
  type BundleSource,
  budgetBackend,
  type CacheOptions,
  createWaypoint,
  type DecisionEngine,
  fileBundleSource,
  loadWasmEngine,
  type QuotaBackend,
  type RouteConfig,
  type Waypoint,
} from '../../waypoint/index.js';

export interface WaypointCliOptions {
  port: number;
  host: string;
  adminPort: number;
  openai: string;
  anthropic: string;
  mcp?: string;
  generic?: string;
  policies?: string[];
  bundle?: string;
  failOpen?: boolean;
  auditPrompts?: boolean;
  auditFile?: string;
  bundleUrl?: string;
  bundlePublicKey?: string;
  bundleSecret?: string;
  bundleKeyId?: string;
  bundleTokenFile?: string;
  quotaDb?: string;
  redisUrl?: string;
  cache?: boolean;
  cacheSize?: number;
  cacheTtl?: number;
  cacheShared?: boolean;
  /** Logger for bundle updates (default: warn level on stderr). */
  logger?: boolean | Record<string, unknown>;
}

/** Where local mode keeps budgets when no --quota-db is given. */
export function defaultQuotaDb(): string {
  return join(homedir(), '.semamesh', 'quota.db');
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

/**
 * Validates the SemaPolicy and SemaQuota documents in YAML files and compiles the policies (the
 * quotas go to the budget engine); throws with the located diagnostics on errors.
 */
export async function loadPolicyFiles(
  files: string[],
): Promise<{ engine: DecisionEngine; quotas: SemaQuota[] }> {
  const policies: ResourceSet['policies'] = [];
  const quotas: SemaQuota[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const report = api.validateDocuments(readFileSync(file, 'utf8'), file);
    for (const d of report.diagnostics) if (d.severity === 'error') problems.push(api.formatDiagnostic(d));
    for (const doc of report.documents) {
      if (doc.kind === 'SemaPolicy' && doc.valid)
        policies.push(doc.object as ResourceSet['policies'][number]);
      if (doc.kind === 'SemaQuota' && doc.valid) quotas.push(doc.object as SemaQuota);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const compiled = compileResources({ policies, quotas }, { revision: `local-${Date.now()}` });
  if (!compiled.bundle) throw new Error(compiled.diagnostics.map(formatDiagnostic).join('\n') || 'no bundle');
  return { engine: await loadWasmEngine(compiled.bundle), quotas };
}

/** Validates and compiles the SemaPolicy documents in YAML files; throws with the diagnostics on errors. */
export async function engineFromPolicies(files: string[]): Promise<DecisionEngine> {
  return (await loadPolicyFiles(files)).engine;
}

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
  waitSeconds?: number;
  backoffBaseMs?: number;
}): BundleSource {
  let poller: BundlePoller | undefined;
  return {
    start(sink) {
      poller = new BundlePoller({
        url: options.url,
        key: options.key,
        token: options.token,
        waitSeconds: options.waitSeconds,
        backoffBaseMs: options.backoffBaseMs,
        backoffMaxMs: 30_000,
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

/** The budget engine for --quota-db / --redis-url (SQLite at ~/.semamesh/quota.db by default). */
export function openBudgetEngine(
  opts: Pick<WaypointCliOptions, 'quotaDb' | 'redisUrl'>,
  quotas: SemaQuota[],
): QuotaBudgetEngine {
  let engine: QuotaBudgetEngine;
  if (opts.redisUrl) engine = createBudgetEngine({ kind: 'redis', url: opts.redisUrl });
  else {
    const path = opts.quotaDb ?? defaultQuotaDb();
    mkdirSync(dirname(path), { recursive: true });
    engine = createBudgetEngine({ kind: 'sqlite', path });
  }
  engine.setQuotas(quotas);
  return engine;
}

export interface RunningWaypoint {
  waypoint: Waypoint;
  url: string;
  adminUrl: string;
  budget?: QuotaBudgetEngine;
  /** Closes the waypoint, stops bundle updates and closes the quota store. */
  close(): Promise<void>;
}

export async function runWaypoint(opts: WaypointCliOptions): Promise<RunningWaypoint> {
  if (opts.bundle && opts.bundleUrl) throw new Error('give --bundle or --bundle-url, not both');
  const key = bundleKey(opts);
  let engine: DecisionEngine | undefined;
  let quotas: SemaQuota[] = [];
  let bundleSource: BundleSource | undefined;
  if (opts.policies?.length) {
    const loaded = await loadPolicyFiles(opts.policies);
    quotas = loaded.quotas;
    // With a bundle the bundle decides; the YAML still supplies the SemaQuotas.
    if (!opts.bundle && !opts.bundleUrl) engine = loaded.engine;
  }
  if (opts.bundle) {
    // A missing file is a typo to report now; a bad bundle later is rejected and the old one kept.
    if (!existsSync(opts.bundle)) throw new Error(`bundle file ${opts.bundle} does not exist`);
    // Watched for changes; the first read happens before the waypoint answers its first request.
    bundleSource = fileBundleSource(opts.bundle);
  } else if (opts.bundleUrl) {
    const token = opts.bundleTokenFile ? readFileSync(opts.bundleTokenFile, 'utf8').trim() : undefined;
    bundleSource = pollerBundleSource({ url: opts.bundleUrl, key, token });
  }
  let budget: QuotaBudgetEngine | undefined;
  let quota: QuotaBackend | undefined;
  if (quotas.length > 0 || opts.quotaDb || opts.redisUrl) {
    budget = openBudgetEngine(opts, quotas);
    quota = budgetBackend(budget);
  }
  const cache: CacheOptions | undefined = opts.cache
    ? {
        maxEntries: opts.cacheSize,
        ttlMs: opts.cacheTtl ? opts.cacheTtl * 1000 : undefined,
        shared: opts.cacheShared,
      }
    : undefined;
  const routes: RouteConfig[] = [
    { provider: 'openai', upstream: opts.openai },
    { provider: 'anthropic', upstream: opts.anthropic },
  ];
  if (opts.mcp) routes.push({ provider: 'mcp', upstream: opts.mcp });
  if (opts.generic) routes.push({ provider: 'generic', upstream: opts.generic });
  const waypoint = await createWaypoint({
    host: opts.host,
    port: opts.port,
    adminPort: opts.adminPort,
    routes,
    engine,
    bundleSource: withVerification(bundleSource, opts.bundle ? key : undefined),
    quota,
    cache,
    failOpen: opts.failOpen,
    auditPrompts: opts.auditPrompts,
    auditStream: opts.auditFile ? createWriteStream(opts.auditFile, { flags: 'a' }) : undefined,
    logger: opts.logger,
  });
  let url: string;
  let adminUrl: string;
  try {
    ({ url, adminUrl } = await waypoint.listen());
  } catch (err) {
    await waypoint.close();
    await budget?.close();
    throw err;
  }
  return {
    waypoint,
    url,
    adminUrl,
    budget,
    async close() {
      await waypoint.close();
      await budget?.close();
    },
  };
}

/** A watched bundle file checked against the key like the poller checks fetched ones. */
function withVerification(source: BundleSource | undefined, key: VerificationKey | undefined) {
  if (!source || !key) return source;
  return {
    start: (sink: Parameters<BundleSource['start']>[0]) =>
      source.start({
        deliver: (bytes, info) =>
          Promise.resolve()
            .then(() => verifyBundle(bytes, key))
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

export function registerWaypoint(program: Command): void {
  const collect = (v: string, prev: string[] = []) => [...prev, v];
  program
    .command('waypoint')
    .description('run the governing LLM proxy until SIGINT/SIGTERM')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', parsePort, 8788)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--admin-port <port>', 'port of /metrics, /healthz, /readyz', parsePort, 9788)
    .option('--openai <url>', 'OpenAI upstream', 'https://api.openai.com')
    .option('--anthropic <url>', 'Anthropic upstream', 'https://api.anthropic.com')
    .option('--mcp <url>', 'MCP upstream for /mcp')
    .option('--generic <url>', 'upstream for any other path (default: 404)')
    .option(
      '--policies <file>',
      'SemaPolicy + SemaQuota YAML to compile and enforce (repeatable; with --bundle/--bundle-url only the SemaQuotas are used)',
      collect,
    )
    .option(
      '--bundle <file>',
      'OPA bundle (.tar.gz with policy.wasm) to enforce, reloaded when the file changes',
    )
    .option('--bundle-url <url>', "long-poll the controller's bundle service and swap in each new bundle")
    .option('--bundle-public-key <file>', 'PEM public key verifying bundle signatures (RS256)')
    .option('--bundle-secret <file>', 'file holding the shared secret verifying bundle signatures (HS256)')
    .option('--bundle-key-id <id>', "key id of the verification key (matched against the signature's kid)")
    .option('--bundle-token-file <file>', 'bearer token for the bundle service')
    .option('--quota-db <path>', 'SQLite file of the SemaQuota budgets (default ~/.semamesh/quota.db)')
    .option('--redis-url <url>', 'keep budgets in Redis instead (shared by several waypoints)')
    .option('--cache', 'cache non-streaming replies (exact match, per agent; hits are not charged)')
    .option('--cache-size <n>', 'most cached replies (LRU)', parseCount, 1000)
    .option('--cache-ttl <seconds>', 'how long a cached reply is served', parseCount, 300)
    .option('--cache-shared', 'let all agents share cached replies (default: one cache per agent)')
    .option('--fail-open', 'allow requests while no policy can decide (counted in metrics)')
    .option('--audit-prompts', 'include prompt text in audit records')
    .option('--audit-file <file>', 'append audit records here (default: stdout)')
    .action(async (opts: WaypointCliOptions) => {
      let running: RunningWaypoint;
      try {
        running = await runWaypoint(opts);
      } catch (err) {
        const code = (err as { code?: string }).code;
        console.error(`${code ? `${code}: ` : ''}${(err as Error).message}`);
        process.exitCode = 1;
        return;
      }
      console.error(`waypoint listening on ${running.url} (admin ${running.adminUrl})`);
      console.error(`  OpenAI base URL:    ${running.url}/v1`);
      console.error(`  Anthropic base URL: ${running.url}`);
      if (running.budget)
        console.error(`  budgets: ${opts.redisUrl ? 'Redis' : (opts.quotaDb ?? defaultQuotaDb())}`);
      if (!running.waypoint.holder.loaded)
        console.error('  no policy loaded yet: requests are refused (fail-closed) until a bundle loads');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await running.close();
    });
}
