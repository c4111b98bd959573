// Sends the (possibly rewritten) request upstream over the keep-alive pool; an unmodified body goes
// byte for byte. The response itself is handled by the server's response phase.
import type { UpstreamClient } from '../../upstream/client.js';
import { upstreamRequestHeaders } from '../../upstream/headers.js';
import type { Filter, WaypointMetricsSink } from '../types.js';

export interface ForwardOptions {
  upstream: UpstreamClient;
  metrics: WaypointMetricsSink;
}

export function forward(options: ForwardOptions): Filter {
  return {
    name: 'forward',
    async onRequest(ctx) {
      const inspected = ctx.provider.inspectsResponse(ctx.api);
      const body = ctx.bodyChanged
        ? Buffer.from(JSON.stringify(ctx.body))
        : ctx.rawBody.length > 0 || ctx.method === 'POST' || ctx.method === 'PUT' || ctx.method === 'PATCH'
          ? ctx.rawBody
          : undefined;
      const headers = upstreamRequestHeaders(ctx.headers, { identityEncoding: inspected });
      if (ctx.route.upstreamHost) headers.host = ctx.route.upstreamHost;
      ctx.upstream = await options.upstream.request({
        servername: ctx.route.servername,
        origin: ctx.route.origin,
        path: ctx.route.upstreamPath,
        method: ctx.method,
        headers,
        body,
        signal: ctx.signal,
      });
      options.metrics.upstream(ctx.provider.name, ctx.upstream.headersMs / 1000);
    },
  };
}
