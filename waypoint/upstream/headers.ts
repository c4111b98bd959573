// Header hygiene at the proxy boundary: hop-by-hop headers (RFC 9110 §7.6.1 plus those named in
// Connection) never cross the waypoint in either direction.
import type { IncomingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/** What a message without a Connection header lists (shared: read only). */
const NONE_LISTED: ReadonlySet<string> = new Set();

function connectionListed(value: string | string[] | undefined): ReadonlySet<string> {
  if (!value) return NONE_LISTED;
  const out = new Set<string>();
  for (const v of Array.isArray(value) ? value : [value])
    for (const t of v.split(',')) out.add(t.trim().toLowerCase());
  return out;
}

/** Request headers to send upstream: no hop-by-hop, no host (the pool sets it), no stale length. */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  opts: { identityEncoding: boolean },
): Record<string, string | string[]> {
  const listed = connectionListed(incoming.connection);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(incoming)) {
    if (v === undefined || HOP_BY_HOP.has(k) || listed.has(k) || k === 'host' || k === 'content-length')
      continue;
    if (k === 'expect') continue;
    out[k] = v;
  }
  // Inspected bodies must arrive uncompressed so the waypoint can read them.
  if (opts.identityEncoding) out['accept-encoding'] = 'identity';
  return out;
}

/** Response headers to send to the client; `dropLength` when the waypoint re-encodes the body. */
export function clientResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  opts: { dropLength: boolean },
): Record<string, string | string[]> {
  const listed = connectionListed(upstream.connection);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(upstream)) {
    if (v === undefined || HOP_BY_HOP.has(k) || listed.has(k)) continue;
    if (opts.dropLength && k === 'content-length') continue;
    out[k] = v;
  }
  return out;
}
