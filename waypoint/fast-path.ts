// The common exchange without fastify's per-request machinery: a POST of a JSON body with a declared
// length within the limit is read here and handed straight to the exchange. Everything else (other
// methods, other or malformed content types, chunked or oversized bodies, a closing server) goes
// through fastify, whose content-type checks and coded errors stay the one place those are decided.
// Fastify's routing, request/reply objects, content-type parser and hooks were ~5 % of a request's
// CPU; what this path does for a request is exactly what fastify's buffer parser did for it.
import type { IncomingMessage } from 'node:http';

/** The JSON media types clients send (the openai and anthropic SDKs, curl, wrk), compared exactly. */
const JSON_TYPES: ReadonlySet<string> = new Set([
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=utf-8',
  'application/json; charset=UTF-8',
]);

/** A decimal Content-Length, nothing else (node's parser has already refused a malformed one). */
const DECIMAL = /^\d{1,10}$/;

/** Whether this request takes the fast path: POST, JSON, a declared length ≤ `limit`, not chunked. */
export function takesFastPath(req: IncomingMessage, limit: number): boolean {
  if (req.method !== 'POST') return false;
  const h = req.headers;
  const length = h['content-length'];
  return (
    h['transfer-encoding'] === undefined &&
    length !== undefined &&
    DECIMAL.test(length) &&
    Number(length) <= limit &&
    JSON_TYPES.has(h['content-type'] ?? '')
  );
}

const EMPTY = Buffer.alloc(0);

/**
 * Reads the body of a fast-path request and calls `done` with it (always a Buffer of its own, never
 * a view of the socket's read buffer). A request that fails or ends short of its declared length
 * (the client went away) calls nothing: there is no one to answer.
 */
export function readFastBody(req: IncomingMessage, done: (body: Buffer) => void): void {
  const declared = Number(req.headers['content-length']);
  if (declared === 0) {
    // Nothing to read, but the stream must still end so the connection can carry the next request.
    req.resume();
    done(EMPTY);
    return;
  }
  const chunks: Buffer[] = [];
  let received = 0;
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    chunks.push(chunk);
  };
  const cleanup = () => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onError);
  };
  const onEnd = () => {
    cleanup();
    if (received !== declared) return;
    done(Buffer.concat(chunks, received));
  };
  const onError = () => cleanup();
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
}
