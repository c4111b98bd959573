// Runs one exchange through the filter chain: request hooks in order, then the response phase —
// SSE streams event by event, inspected JSON bodies whole, everything else piped — and the
// provider-shaped refusal when a hook throws.
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { internalError, responseTooLarge, upstreamFailed, WaypointError } from './errors.js';
import type { Filter, InspectedResponse, RequestContext, StreamItem } from './filters/types.js';
import type { Provider } from './providers/types.js';
import { SseParser, serializeEvent } from './streaming/sse.js';
import { mapUpstreamError } from './upstream/client.js';
import { clientResponseHeaders } from './upstream/headers.js';

export interface PipelineOptions {
  /** Largest non-streaming response body the waypoint buffers to inspect (default 32 MiB). */
  maxResponseBytes: number;
}

/** The chain split by hook once, so the hot path does not test every filter per event. */
export class Pipeline {
  private readonly request: Filter[];
  private readonly response: Filter[];
  private readonly stream: Filter[];
  private readonly done: Filter[];

  constructor(
    readonly filters: Filter[],
    private readonly options: PipelineOptions,
  ) {
    this.request = filters.filter((f) => f.onRequest);
    this.response = filters.filter((f) => f.onResponse);
    this.stream = filters.filter((f) => f.onStreamEvent || f.onStreamEnd);
    this.done = filters.filter((f) => f.onDone);
  }

  async run(ctx: RequestContext, res: ServerResponse): Promise<void> {
    try {
      for (const f of this.request) {
        const r = f.onRequest!(ctx);
        if (r instanceof Promise) await r;
      }
      if (!ctx.upstream) throw upstreamFailed('the filter chain has no forward stage');
      await this.respond(ctx, res);
    } catch (err) {
      if (ctx.signal.aborted) {
        ctx.status = 499;
      } else {
        const e = toWaypointError(err);
        ctx.error = e;
        if (!res.headersSent) {
          ctx.status = e.status;
          sendError(res, ctx.provider, e, ctx.body);
        } else res.destroy();
      }
    } finally {
      ctx.upstream?.body.destroy();
      for (const f of this.done) {
        try {
          f.onDone!(ctx);
        } catch {
          // An audit or metrics failure must not affect the exchange that already finished.
        }
      }
    }
  }

  private async respond(ctx: RequestContext, res: ServerResponse): Promise<void> {
    const up = ctx.upstream!;
    const ct = String(up.headers['content-type'] ?? '').toLowerCase();
    const inspect = up.status >= 200 && up.status < 300 && ctx.provider.inspectsResponse(ctx.api);
    if (inspect && ct.includes('text/event-stream')) return this.streamResponse(ctx, res);
    if (inspect && ct.includes('json')) return this.jsonResponse(ctx, res);
    ctx.status = up.status;
    res.writeHead(up.status, clientResponseHeaders(up.headers, { dropLength: false }));
    await pipeline(up.body, res);
  }

  private async jsonResponse(ctx: RequestContext, res: ServerResponse): Promise<void> {
    const up = ctx.upstream!;
    const raw = await readBody(up.body, this.options.maxResponseBytes);
    let out = raw;
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = undefined;
    }
    if (body !== undefined) {
      const inspected: InspectedResponse = {
        body,
        parsed: ctx.provider.parseResponse(ctx.api, body),
        changed: false,
      };
      for (const f of this.response) {
        const r = f.onResponse!(ctx, inspected);
        if (r instanceof Promise) await r;
      }
      if (inspected.changed) out = Buffer.from(JSON.stringify(inspected.body));
    }
    ctx.status = up.status;
    const headers = clientResponseHeaders(up.headers, { dropLength: true });
    headers['content-length'] = String(out.length);
    res.writeHead(up.status, headers);
    res.end(out);
  }

  private async streamResponse(ctx: RequestContext, res: ServerResponse): Promise<void> {
    const up = ctx.upstream!;
    const tracker = ctx.provider.stream(ctx.api);
    ctx.tracker = tracker;
    ctx.status = up.status;
    res.writeHead(up.status, clientResponseHeaders(up.headers, { dropLength: true }));
    res.flushHeaders();
    const parser = new SseParser();
    try {
      try {
        for await (const chunk of up.body) {
          const out = await this.throughAll(
            ctx,
            parser.push(chunk).map((ev) => ({ ev, obs: tracker.observe(ev) })),
          );
          if (out !== '' && !res.write(out)) await drained(res);
        }
      } catch (err) {
        throw err instanceof WaypointError ? err : mapUpstreamError(err);
      }
      let out = await this.throughAll(
        ctx,
        parser.end().map((ev) => ({ ev, obs: tracker.observe(ev) })),
      );
      for (let i = 0; i < this.stream.length; i++) {
        const end = this.stream[i].onStreamEnd;
        if (!end) continue;
        const flushed = await end.call(this.stream[i], ctx);
        out += await this.throughAll(ctx, flushed, i + 1);
      }
      res.end(out);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const e = toWaypointError(err);
      ctx.error = e;
      // A refused stream ends with the provider's error event and never with its terminal event.
      res.end(serializeEvent(ctx.provider.streamError(e, ctx.api)));
    }
  }

  /** Passes items through the stream filters from `from` on and serializes what comes out. */
  private async throughAll(ctx: RequestContext, items: StreamItem[], from = 0): Promise<string> {
    let current = items;
    for (let i = from; i < this.stream.length && current.length > 0; i++) {
      const hook = this.stream[i].onStreamEvent;
      if (!hook) continue;
      const next: StreamItem[] = [];
      for (const it of current) {
        const r = hook.call(this.stream[i], ctx, it);
        const got = r instanceof Promise ? await r : r;
        for (const g of got) next.push(g);
      }
      current = next;
    }
    let out = '';
    for (const it of current) out += serializeEvent(it.ev);
    return out;
  }
}

/**
 * A whole response body, at most `max` bytes (else SM_ERR_WAYPOINT_RESPONSE_TOO_LARGE), read with
 * stream events: an async iterator costs a promise per chunk and its own listeners per request.
 * undici's Buffers are kept as they are and joined only when there are several.
 */
function readBody(body: Readable, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    // The error listener stays: destroying an unfinished undici body emits an AbortError, which
    // must not become an uncaught exception after the read is settled.
    const finish = (err: unknown, value?: Buffer) => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('close', onClose);
      if (err === undefined) resolve(value!);
      else reject(err instanceof WaypointError ? err : mapUpstreamError(err));
    };
    const onData = (c: Buffer | string) => {
      size += c.length;
      if (size > max) {
        finish(responseTooLarge(max));
        body.destroy();
        return;
      }
      chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
    };
    const onEnd = () => finish(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    const onError = (err: Error) => finish(err);
    const onClose = () =>
      finish(Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export function toWaypointError(err: unknown): WaypointError {
  if (err instanceof WaypointError) return err;
  return internalError(err);
}

export function sendError(
  res: ServerResponse,
  provider: Provider,
  err: WaypointError,
  requestBody?: unknown,
): void {
  const body = JSON.stringify(provider.errorBody(err, requestBody));
  res.writeHead(err.status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'x-semamesh-error': err.code,
    ...err.headers,
  });
  res.end(body);
}
