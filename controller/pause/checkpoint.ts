// Client for the kubelet's checkpoint API (`POST /checkpoint/{ns}/{pod}/{container}` on :10250),
// which copies a running container with CRIU without stopping it; every outcome becomes a record
// for the SemaIncident's `status.checkpoint`.
import { request } from 'node:https';
import { type ControllerErrorCode, errorText, isControllerError, pauseError } from '../errors.js';

export type CheckpointMethod = 'kubelet' | 'criu' | 'gcore' | 'none';

/** Mirrors SemaIncident `status.checkpoint` (api/sema-incident.ts), plus which container and code. */
export interface CheckpointRecord {
  method: CheckpointMethod;
  path?: string;
  error?: string;
  code?: ControllerErrorCode;
  container?: string;
}

export interface KubeletClientOptions {
  /** Node address (IP or DNS name) the kubelet serves on. */
  host: string;
  port?: number;
  /** PEM CA bundle that signed the kubelet's serving certificate. Verification is never turned off. */
  ca?: string | Buffer;
  /** Client certificate and key (the node agent's, or the API server's kubelet client pair). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Bearer token (a service account allowed `nodes/checkpoint`), used when no client cert is given or as well. */
  token?: string;
  /** TLS server name when `host` is an IP the certificate does not name. */
  servername?: string;
  /** Whole-request timeout; default 120 s (large containers take a while). */
  timeoutMs?: number;
}

export interface CheckpointTarget {
  namespace: string;
  pod: string;
  container: string;
  /** Passed as `?timeout=` for the kubelet's own CRI call, in seconds. */
  timeoutSeconds?: number;
}

const SEGMENT = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function checkTarget(t: CheckpointTarget): void {
  for (const [k, v] of Object.entries({ namespace: t.namespace, pod: t.pod, container: t.container })) {
    if (!SEGMENT.test(v))
      throw pauseError('SM_ERR_PAUSE_REQUEST_INVALID', `invalid ${k} ${JSON.stringify(v)}`);
  }
}

const TLS_CODES = /CERT|SIGNATURE|SELF_SIGNED|TLS|SSL|EPROTO|ECONNRESET_TLS|UNABLE_TO_(GET|VERIFY)/;

function tlsFailure(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return TLS_CODES.test(e.code ?? '') || /certificate|handshake|alert/i.test(e.message ?? '');
}

/**
 * What the user needs, for the answers whose cause is known: the runtime text containerd 1.x gives
 * (the CRI method is missing: checkpointing arrived in containerd 2.0), a missing CRIU, and the
 * kubelet's authorization (docs/cluster-local.md, "Checkpoints").
 */
function remedy(status: number, body: string): string {
  if (status === 500 && /Unimplemented|not implemented/i.test(body))
    return ' (the runtime has no CRI CheckpointContainer: containerd 2.0 or later, or CRI-O, with CRIU installed on the node)';
  if (status === 500 && /criu/i.test(body)) return ' (install a working CRIU on the node)';
  if (status === 401 || status === 403)
    return ' (the caller needs `create` on nodes/checkpoint, with the kubelet in Webhook authorization mode)';
  return '';
}

/** Maps a kubelet answer to a path or a coded error; 404 and 500 have well-known meanings. */
function interpret(status: number, body: string, t: CheckpointTarget): string {
  const where = `${t.namespace}/${t.pod}/${t.container}`;
  const detail = body.trim().slice(0, 500) + remedy(status, body);
  if (status === 200) {
    let items: unknown;
    try {
      items = (JSON.parse(body) as { items?: unknown }).items;
    } catch (err) {
      throw pauseError(
        'SM_ERR_PAUSE_CHECKPOINT_FAILED',
        `kubelet checkpoint of ${where}: response is not JSON`,
        err,
      );
    }
    if (!Array.isArray(items) || typeof items[0] !== 'string')
      throw pauseError(
        'SM_ERR_PAUSE_CHECKPOINT_FAILED',
        `kubelet checkpoint of ${where}: response has no "items" path`,
      );
    return items[0];
  }
  if (status === 404)
    throw pauseError(
      'SM_ERR_PAUSE_CHECKPOINT_GATE',
      `kubelet answered 404 for ${where}: ContainerCheckpoint feature gate off (or no such container)${detail ? `: ${detail}` : ''}`,
    );
  if (status === 500)
    throw pauseError(
      'SM_ERR_PAUSE_CHECKPOINT_UNSUPPORTED',
      `kubelet answered 500 for ${where}: container runtime does not support checkpointing${detail ? `: ${detail}` : ''}`,
    );
  throw pauseError(
    'SM_ERR_PAUSE_CHECKPOINT_FAILED',
    `kubelet answered HTTP ${status} for ${where}${detail ? `: ${detail}` : ''}`,
  );
}

/** Asks the kubelet for a checkpoint; resolves to the archive path on the node or throws a coded error. */
export async function kubeletCheckpoint(
  client: KubeletClientOptions,
  target: CheckpointTarget,
): Promise<string> {
  checkTarget(target);
  const timeoutMs = client.timeoutMs ?? 120_000;
  const query = target.timeoutSeconds ? `?timeout=${Math.ceil(target.timeoutSeconds)}` : '';
  const path = `/checkpoint/${target.namespace}/${target.pod}/${target.container}${query}`;
  const headers: Record<string, string> = { accept: 'application/json', 'content-length': '0' };
  if (client.token) headers.authorization = `Bearer ${client.token}`;
  return await new Promise<string>((resolve, reject) => {
    const req = request(
      {
        host: client.host,
        port: client.port ?? 10250,
        method: 'POST',
        path,
        headers,
        ca: client.ca,
        cert: client.cert,
        key: client.key,
        servername: client.servername,
        rejectUnauthorized: true,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 1 << 20) chunks.push(c);
        });
        res.on('end', () => {
          clearTimeout(timer);
          try {
            resolve(interpret(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), target));
          } catch (err) {
            reject(err);
          }
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(
            pauseError('SM_ERR_PAUSE_CHECKPOINT_FAILED', `kubelet response broke off: ${err.message}`, err),
          );
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy(
        pauseError(
          'SM_ERR_PAUSE_CHECKPOINT_TIMEOUT',
          `kubelet checkpoint did not finish within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      if (isControllerError(err)) return reject(err);
      const at = `${client.host}:${client.port ?? 10250}`;
      if (tlsFailure(err))
        reject(
          pauseError(
            'SM_ERR_PAUSE_CHECKPOINT_TLS',
            `TLS with the kubelet at ${at} failed: ${err.message}`,
            err,
          ),
        );
      else
        reject(
          pauseError(
            'SM_ERR_PAUSE_CHECKPOINT_FAILED',
            `cannot reach the kubelet at ${at}: ${err.message}`,
            err,
          ),
        );
    });
    req.end();
  });
}

/** Like kubeletCheckpoint, but never throws: the outcome is the record the incident keeps. */
export async function checkpointRecord(
  client: KubeletClientOptions,
  target: CheckpointTarget,
): Promise<CheckpointRecord> {
  try {
    const path = await kubeletCheckpoint(client, target);
    return { method: 'kubelet', path, container: target.container };
  } catch (err) {
    return {
      method: 'kubelet',
      error: errorText(err),
      code: isControllerError(err) ? err.code : 'SM_ERR_PAUSE_CHECKPOINT_FAILED',
      container: target.container,
    };
  }
}
