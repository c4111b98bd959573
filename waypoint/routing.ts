// Picks the provider adapter and the upstream for a request: by the original destination in
// transparent mode, else by a configured path prefix, else by the provider the path belongs to.
import type { Socket } from 'node:net';
import { configInvalid, misdirected, noRoute, routeUnknown } from './errors.js';
import type { ResolvedRoute } from './filters/types.js';
import { anthropic } from './providers/anthropic.js';
import { generic } from './providers/generic.js';
import { mcp } from './providers/mcp.js';
import { openai } from './providers/openai.js';
import type { Provider, ProviderName } from './providers/types.js';
import {
  canonicalTarget,
  DEFAULT_GOVERNED_HOSTS,
  DEFAULT_PASSTHROUGH,
  hostMatches,
  isPassthrough,
  type PassthroughRule,
  parsePassthrough,
} from './target.js';

export interface RouteConfig {
  /** Requests whose path starts with this prefix go to `upstream` (the prefix is removed). */
  prefix?: string;
  /** Requests recognised as this provider's API go to `upstream`. */
  provider?: ProviderName;
  /** Base URL, e.g. `https://api.openai.com`; a path on it is prepended to the request path. */
  upstream: string;
}

export interface Destination {
  /** Where to connect: the address the agent dialled (or a name when only the name is known). */
  host: string;
  port: number;
  /** The connection arrived over TLS (the upstream is https whatever the port). */
  tls?: boolean;
  /**
   * The name the agent meant (TLS SNI, else the interceptor's DNS name): sent as Host and, over TLS,
   * as the upstream SNI that the upstream certificate is verified for.
   */
  servername?: string;
  /** Why the names the agent gave do not belong to the address it dialled (refused with 421). */
  mismatch?: string;
}

/** Transparent mode: the address the agent originally dialled (from the eBPF redirect). */
export type OriginalDestination = (socket: Socket) => Destination | undefined;

export interface RouterOptions {
  routes?: RouteConfig[];
  mcpPath?: string;
  originalDestination?: OriginalDestination;
  /**
   * Routes forwarded uninspected on a governed LLM host (`METHOD /path`, `*` = one segment);
   * default DEFAULT_PASSTHROUGH (model listing, file and batch metadata).
   */
  passthrough?: readonly string[];
  /** LLM API hosts (`*.` = any subdomain) where unknown routes are refused; default DEFAULT_GOVERNED_HOSTS. */
  governedHosts?: readonly string[];
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
  private readonly prefixes: { prefix: string; upstream: Upstream; provider?: ProviderName }[] = [];
  private readonly byProvider = new Map<ProviderName, Upstream>();
  private readonly mcpPath: string;
  private readonly originalDestination: OriginalDestination | undefined;
  private readonly passthrough: PassthroughRule[];
  private readonly governedHosts: readonly string[];

  constructor(options: RouterOptions) {
    this.passthrough = parsePassthrough(options.passthrough ?? DEFAULT_PASSTHROUGH);
    this.governedHosts = options.governedHosts ?? DEFAULT_GOVERNED_HOSTS;
    this.mcpPath = options.mcpPath ?? '/mcp';
    this.originalDestination = options.originalDestination;
    for (const r of options.routes ?? []) {
      const up = parseUpstream(r.upstream);
      if (r.prefix) {
        if (!r.prefix.startsWith('/')) throw configInvalid(`route prefix ${r.prefix} must start with "/"`);
        this.prefixes.push({ prefix: r.prefix.replace(/\/+$/, ''), upstream: up, provider: r.provider });
      } else if (r.provider) this.byProvider.set(r.provider, up);
      else throw configInvalid('a route needs a prefix or a provider');
    }
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /**
   * Resolves a request whose target is already canonical (see target.ts); throws NO_ROUTE when
   * nothing is configured for it and ROUTE_UNKNOWN for a route on a governed LLM host the waypoint
   * does not understand (deny by default, except the passthrough list).
   */
  resolve(method: string, url: string, socket: Socket, hostHeader: string | undefined): ResolvedRoute {
    const q = url.indexOf('?');
    let path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q);
    let up: Upstream | undefined;
    let governed = hostMatches(this.governedHosts, hostHeader);
    let hint: ProviderName | undefined;
    const dest = this.originalDestination?.(socket);
    let servername: string | undefined;
    let upstreamHost: string | undefined;
    if (dest) {
      if (dest.mismatch) throw misdirected(dest.mismatch);
      const name = dest.servername?.toLowerCase();
      const https = dest.tls ?? dest.port === 443;
      // Over TLS the agent's Host must name the server it negotiated with; the upstream's
      // certificate is then verified for that name at the address the agent dialled.
      const hostName = hostHeader
        ?.toLowerCase()
        .replace(/:\d+$/, '')
        .replace(/^\[|\]$/g, '');
      if (https && name && hostName && hostName !== name)
        throw misdirected(`the Host ${hostHeader} does not match the TLS server name ${name}`);
      const defaultPort = (https && dest.port === 443) || (!https && dest.port === 80);
      up = {
        origin: `${https ? 'https' : 'http'}://${dest.host}${defaultPort ? '' : `:${dest.port}`}`,
        basePath: '',
        host: name ?? hostHeader ?? dest.host,
      };
      if (https && name) servername = name;
      upstreamHost = name;
      governed ||= hostMatches(this.governedHosts, name ?? dest.host);
      hint = hostProvider(name ?? dest.host);
    } else {
      for (const p of this.prefixes) {
        if (path === p.prefix || path.startsWith(`${p.prefix}/`)) {
          path = path.slice(p.prefix.length) || '/';
          up = p.upstream;
          // A prefix for an LLM provider is a governed host; an explicit generic one is not.
          governed ||= p.provider !== undefined && p.provider !== 'generic';
          hint = p.provider;
          break;
        }
      }
    }
    const { provider, api } = providerFor(method, path, this.mcpPath);
    if (provider === generic) {
      // Without a generic upstream, this listener only serves LLM APIs: it is a governed host.
      if (!up && !this.byProvider.has('generic')) governed ||= this.llmRouted;
      if (governed) {
        if (!isPassthrough(this.passthrough, method, path)) throw routeUnknown(`${method} ${path}`);
        up ??= this.byProvider.get(hint ?? guessProvider(path)) ?? this.firstLlm();
      }
    }
    up ??= this.byProvider.get(provider.name) ?? this.byProvider.get('generic');
    if (!up) throw noRoute(`${method} ${path} (${provider.name})`);
    const route: ResolvedRoute = {
      provider,
      api,
      origin: up.origin,
      upstreamPath: `${up.basePath}${path}${query}`,
      host: up.host,
    };
    if (servername) route.servername = servername;
    if (upstreamHost) route.upstreamHost = upstreamHost;
    return route;
  }

  /** The provider whose error shape a refusal before routing should take. */
  refusalProvider(method: string, url: string, socket: Socket | undefined): Provider {
    const dest = socket ? this.originalDestination?.(socket) : undefined;
    const p = this.providerOf(method, url);
    if (p !== generic) return p;
    const name = dest ? hostProvider(dest.servername ?? dest.host) : undefined;
    return name === 'anthropic' ? anthropic : name === 'openai' || this.llmRouted ? openai : generic;
  }

  private get llmRouted(): boolean {
    return this.byProvider.has('openai') || this.byProvider.has('anthropic');
  }

  private firstLlm(): Upstream | undefined {
    return this.byProvider.get('openai') ?? this.byProvider.get('anthropic');
  }

  /** The provider for a path without resolving an upstream (for shaping early errors). */
  providerOf(method: string, url: string): Provider {
    let path: string;
    try {
      path = canonicalTarget(url).path;
    } catch {
      return generic;
    }
    for (const p of this.prefixes) {
      if (path === p.prefix || path.startsWith(`${p.prefix}/`)) {
        path = path.slice(p.prefix.length) || '/';
        break;
      }
    }
    return providerFor(method, path, this.mcpPath).provider;
  }
}

/** The provider family of an LLM host name, for the shape of a refusal. */
function hostProvider(host: string): ProviderName | undefined {
  if (/(^|\.)anthropic\.com$/i.test(host)) return 'anthropic';
  if (/(^|\.)openai\.(com|azure\.com)$/i.test(host)) return 'openai';
  return undefined;
}

/** Anthropic's API lives under /v1/messages and /v1/complete; everything else reads as OpenAI-shaped. */
function guessProvider(path: string): ProviderName {
  return /^\/v1\/(messages|complete)(\/|$)/.test(path) ? 'anthropic' : 'openai';
}
