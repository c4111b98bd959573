// Picks the provider adapter and the upstream for a request: by the original destination in
// transparent mode, else by a configured path prefix, else by the provider the path belongs to.
import type { Socket } from 'node:net';
import { configInvalid, noRoute } from './errors.js';
import type { ResolvedRoute } from './filters/types.js';
import { anthropic } from './providers/anthropic.js';
import { generic } from './providers/generic.js';
import { mcp } from './providers/mcp.js';
import { openai } from './providers/openai.js';
import type { Provider, ProviderName } from './providers/types.js';

export interface RouteConfig {
  /** Requests whose path starts with this prefix go to `upstream` (the prefix is removed). */
  prefix?: string;
  /** Requests recognised as this provider's API go to `upstream`. */
  provider?: ProviderName;
  /** Base URL, e.g. `https://api.openai.com`; a path on it is prepended to the request path. */
  upstream: string;
}

export interface Destination {
  host: string;
  port: number;
}

/** Transparent mode: the address the agent originally dialled (from the eBPF redirect). */
export type OriginalDestination = (socket: Socket) => Destination | undefined;

export interface RouterOptions {
  routes?: RouteConfig[];
  mcpPath?: string;
  originalDestination?: OriginalDestination;
}

interface Upstream {
  origin: string;
  basePath: string;
  host: string;
}

function parseUpstream(url: string): Upstream {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw configInvalid(`upstream ${JSON.stringify(url)} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw configInvalid(`upstream ${url} must be http(s)`);
  return { origin: u.origin, basePath: u.pathname.replace(/\/+$/, ''), host: u.host };
}

/** The provider a path belongs to, by the provider's documented API paths. */
export function providerFor(
  method: string,
  path: string,
  mcpPath: string,
): { provider: Provider; api: string } {
  if (path === mcpPath || path.startsWith(`${mcpPath}/`))
    return { provider: mcp, api: mcp.apiFor(method, path)! };
  const oa = openai.apiFor(method, path);
  if (oa) return { provider: openai, api: oa };
  const an = anthropic.apiFor(method, path);
  if (an) return { provider: anthropic, api: an };
  return { provider: generic, api: 'http' };
}

export class Router {
  private readonly prefixes: { prefix: string; upstream: Upstream }[] = [];
  private readonly byProvider = new Map<ProviderName, Upstream>();
  private readonly mcpPath: string;
  private readonly originalDestination: OriginalDestination | undefined;

  constructor(options: RouterOptions) {
    this.mcpPath = options.mcpPath ?? '/mcp';
    this.originalDestination = options.originalDestination;
    for (const r of options.routes ?? []) {
      const up = parseUpstream(r.upstream);
      if (r.prefix) {
        if (!r.prefix.startsWith('/')) throw configInvalid(`route prefix ${r.prefix} must start with "/"`);
        this.prefixes.push({ prefix: r.prefix.replace(/\/+$/, ''), upstream: up });
      } else if (r.provider) this.byProvider.set(r.provider, up);
      else throw configInvalid('a route needs a prefix or a provider');
    }
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Resolves a request; throws NO_ROUTE when nothing is configured for it. */
  resolve(method: string, url: string, socket: Socket, hostHeader: string | undefined): ResolvedRoute {
    const q = url.indexOf('?');
    let path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q);
    let up: Upstream | undefined;
    const dest = this.originalDestination?.(socket);
    if (dest) {
      const scheme = dest.port === 443 ? 'https' : 'http';
      const hostPort = dest.port === 443 || dest.port === 80 ? dest.host : `${dest.host}:${dest.port}`;
      up = { origin: `${scheme}://${hostPort}`, basePath: '', host: hostHeader ?? hostPort };
    } else {
      for (const p of this.prefixes) {
        if (path === p.prefix || path.startsWith(`${p.prefix}/`)) {
          path = path.slice(p.prefix.length) || '/';
          up = p.upstream;
          break;
        }
      }
    }
    const { provider, api } = providerFor(method, path, this.mcpPath);
    up ??= this.byProvider.get(provider.name) ?? this.byProvider.get('generic');
    if (!up) throw noRoute(`${method} ${path} (${provider.name})`);
    return { provider, api, origin: up.origin, upstreamPath: `${up.basePath}${path}${query}`, host: up.host };
  }

  /** The provider for a path without resolving an upstream (for shaping early errors). */
  providerOf(method: string, url: string): Provider {
    const q = url.indexOf('?');
    let path = q < 0 ? url : url.slice(0, q);
    for (const p of this.prefixes) {
      if (path === p.prefix || path.startsWith(`${p.prefix}/`)) {
        path = path.slice(p.prefix.length) || '/';
        break;
      }
    }
    return providerFor(method, path, this.mcpPath).provider;
  }
}
