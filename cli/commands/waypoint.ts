// `semamesh waypoint`: runs the governing proxy in the foreground with policies compiled from
// SemaPolicy YAML (or a ready OPA bundle), explicit routes to the real providers, admin routes.
import { createWriteStream, readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { api, compileResources, formatDiagnostic, type ResourceSet } from '../../engine/index.js';
import {
  createWaypoint,
  type DecisionEngine,
  loadWasmEngine,
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
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

/** Validates and compiles the SemaPolicy documents in YAML files; throws with the diagnostics on errors. */
export async function engineFromPolicies(files: string[]): Promise<DecisionEngine> {
  const policies: ResourceSet['policies'] = [];
  const problems: string[] = [];
  for (const file of files) {
    const report = api.validateDocuments(readFileSync(file, 'utf8'), file);
    for (const d of report.diagnostics) if (d.severity === 'error') problems.push(api.formatDiagnostic(d));
    for (const doc of report.documents) {
      if (doc.kind === 'SemaPolicy' && doc.valid)
        policies.push(doc.object as ResourceSet['policies'][number]);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const compiled = compileResources({ policies }, { revision: `local-${Date.now()}` });
  if (!compiled.bundle) throw new Error(compiled.diagnostics.map(formatDiagnostic).join('\n') || 'no bundle');
  return loadWasmEngine(compiled.bundle);
}

export async function runWaypoint(
  opts: WaypointCliOptions,
): Promise<{ waypoint: Waypoint; url: string; adminUrl: string }> {
  let engine: DecisionEngine | undefined;
  if (opts.bundle) engine = await loadWasmEngine(readFileSync(opts.bundle));
  else if (opts.policies?.length) engine = await engineFromPolicies(opts.policies);
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
    failOpen: opts.failOpen,
    auditPrompts: opts.auditPrompts,
    auditStream: opts.auditFile ? createWriteStream(opts.auditFile, { flags: 'a' }) : undefined,
  });
  const { url, adminUrl } = await waypoint.listen();
  return { waypoint, url, adminUrl };
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
    .option('--policies <file>', 'SemaPolicy YAML to compile and enforce (repeatable)', collect)
    .option('--bundle <file>', 'OPA bundle (.tar.gz with policy.wasm) to enforce')
    .option('--fail-open', 'allow requests while no policy can decide (counted in metrics)')
    .option('--audit-prompts', 'include prompt text in audit records')
    .option('--audit-file <file>', 'append audit records here (default: stdout)')
    .action(async (opts: WaypointCliOptions) => {
      let running: Awaited<ReturnType<typeof runWaypoint>>;
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
      if (!running.waypoint.holder.loaded)
        console.error('  no policy loaded: requests are refused (fail-closed)');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await running.waypoint.close();
    });
}
