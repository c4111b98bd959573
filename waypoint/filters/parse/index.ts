// Parses the provider request into the normalized decision request, and asks OpenAI streams for
// usage upstream (include_usage) so completion tokens are always counted.
import { contentType } from '../../errors.js';
import { emptyRequest, isRecord } from '../../providers/types.js';
import type { Filter } from '../types.js';
import { decodeJsonBody } from './json.js';

export interface ParseOptions {
  /** Deepest JSON nesting accepted (default 64). */
  maxDepth?: number;
}

export function parse(options: ParseOptions = {}): Filter {
  const maxDepth = options.maxDepth ?? 64;
  return {
    name: 'parse',
    onRequest(ctx) {
      const { provider, api, method } = ctx;
      const base = {
        // Path segments as words, so `DELETE /api/v1/namespaces/prod` reads as delete + namespace.
        ...emptyRequest(provider.name, api, `${method} ${ctx.path.replace(/[/_.-]+/g, ' ').trim()}`),
        method,
        host: ctx.route.host,
        path: ctx.path,
      };
      if (!provider.hasJsonBody(api, method)) {
        ctx.request = base;
        return;
      }
      const ct = ctx.headers['content-type'];
      if (!ct || !/^application\/([\w.+-]+\+)?json\b/i.test(ct.trim())) throw contentType(ct);
      ctx.body = decodeJsonBody(ctx.rawBody, maxDepth);
      const req = provider.parse(api, ctx.body);
      // Assigned, not spread: a spread would read `text`, which providers join only when read.
      req.method = method;
      req.host = ctx.route.host;
      req.path = ctx.path;
      ctx.request = req;
      if (req.stream && provider.prepareStream && isRecord(ctx.body)) {
        const { changed, stripUsage } = provider.prepareStream(api, ctx.body);
        ctx.stripUsage = stripUsage;
        if (changed) ctx.bodyChanged = true;
      }
      ctx.features.tokens.max_completion = req.max_tokens;
    },
  };
}
