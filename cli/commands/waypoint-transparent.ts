// Cluster (transparent) mode of `semamesh waypoint`: loads the mesh CA from the Secret's files,
// reads original destinations through the BPF addon when it is there (routing by SNI when it is
// not), and composes `TransparentMode` for the TLS listener of redirected :443 connections.
import { constants } from 'node:fs';
import { access, mkdtemp, rm, symlink } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { TLSSocket } from 'node:tls';
import {
  configInvalid,
  type DestinationLookup,
  destinationOf,
  type InterceptedConnection,
  type OriginalDestination,
  TransparentMode,
} from '../../waypoint/index.js';
import { defaultCaDir, LeafMinter, MeshCa, TlsError } from '../../waypoint/tls/index.js';

/** The provider hosts a redirected :443 connection may be routed to by its SNI alone. */
export const PROVIDER_HOSTS = { openai: 'api.openai.com', anthropic: 'api.anthropic.com' } as const;

/**
 * Loads the mesh CA from a certificate and key file (a Kubernetes Secret's tls.crt/tls.key) without
 * ever generating one. MeshCa reads a directory of ca.crt + ca.key, so it is pointed at a temporary
 * directory of symlinks, removed once loaded: the key is never copied.
 */
export async function loadMeshCaFiles(certPath: string, keyPath: string): Promise<MeshCa> {
  for (const [flag, path] of [
    ['--mesh-ca-cert', certPath],
    ['--mesh-ca-key', keyPath],
  ] as const) {
    try {
      await access(path, constants.R_OK);
    } catch (err) {
      throw new TlsError('SM_ERR_TLS_CA_STORE', `${flag} ${path} cannot be read: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(tmpdir(), 'semamesh-mesh-ca-'));
    await symlink(resolve(certPath), join(dir, 'ca.crt'));
    await symlink(resolve(keyPath), join(dir, 'ca.key'));
    const ca = await MeshCa.load(dir);
    if (!ca) throw new TlsError('SM_ERR_TLS_CA_STORE', 'the mesh CA files disappeared while loading');
    return ca;
  } catch (err) {
    // MeshCa's messages name the temporary directory; name the files the operator gave instead.
    const code = err instanceof TlsError ? err.code : 'SM_ERR_TLS_CA_STORE';
    const what =
      code === 'SM_ERR_TLS_CA_INVALID'
        ? 'is not a P-256 mesh CA certificate with its matching key'
        : 'cannot be loaded';
    throw new TlsError(code, `mesh CA ${certPath} + ${keyPath} ${what}: ${detail(err)}`, { cause: err });
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

function detail(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : (err as Error).message;
}

/** The CA for --tls-port: the given files in the cluster, else the local one `semamesh exec` uses. */
export async function meshCaFor(opts: { meshCaCert?: string; meshCaKey?: string }): Promise<MeshCa> {
  if (opts.meshCaCert && opts.meshCaKey) return loadMeshCaFiles(opts.meshCaCert, opts.meshCaKey);
  if (opts.meshCaCert || opts.meshCaKey) throw configInvalid('give both --mesh-ca-cert and --mesh-ca-key');
  return MeshCa.loadOrCreate(defaultCaDir());
}

/**
 * SO_ORIGINAL_DST through the BPF addon, loaded only now (explicit mode never needs it). Without
 * the addon every lookup answers "not redirected" and `note` says why, for one log line.
 */
export async function destinationLookup(): Promise<{ lookup: DestinationLookup; note?: string }> {
  const unknown: DestinationLookup = () => undefined;
  let bpf: typeof import('../../bpf/src/index.js');
  try {
    bpf = await import('../../bpf/src/index.js');
  } catch (err) {
    return { lookup: unknown, note: `the BPF module failed to load: ${(err as Error).message}` };
  }
  const status = bpf.addonStatus();
  if (!status.available) return { lookup: unknown, note: status.reason };
  return { lookup: bpf.originalDestination };
}

/**
 * When the original destination is unknown (no addon, or the node agent has not attached the
 * getsockopt program to this container yet), a connection on the TLS listener is still routed by
 * the SNI it sent — but only to a known provider host, so the listener is no open HTTPS proxy.
 */
export function sniConnection(socket: Socket): InterceptedConnection | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  const name = typeof socket.servername === 'string' ? socket.servername.toLowerCase() : undefined;
  if (!name || !Object.values<string>(PROVIDER_HOSTS).includes(name)) return undefined;
  return { address: name, port: 443, hostname: undefined, tls: true, servername: name };
}

export interface ClusterTransparentOptions {
  ca: MeshCa;
  lookup: DestinationLookup;
  /** Provider hosts whose upstream flag (--openai, --anthropic) was changed: they follow it. */
  overriddenHosts: ReadonlySet<string>;
  tlsHost: string;
  tlsPort: number;
  onError: (err: unknown) => void;
}

/** TransparentMode plus the router seam: original destination, else SNI, else configured routes. */
export function clusterTransparent(options: ClusterTransparentOptions): {
  transparent: TransparentMode;
  routeDestination: OriginalDestination;
} {
  const useConfiguredRoutes = (c: InterceptedConnection) => {
    const name = c.servername ?? c.hostname;
    return name !== undefined && options.overriddenHosts.has(name.toLowerCase());
  };
  const transparent = new TransparentMode({
    originalDestination: options.lookup,
    minter: new LeafMinter(options.ca),
    useConfiguredRoutes,
    tlsHost: options.tlsHost,
    tlsPort: options.tlsPort,
    onError: options.onError,
  });
  const routeDestination: OriginalDestination = (socket) => {
    const conn = transparent.connectionOf(socket) ?? sniConnection(socket);
    if (!conn || useConfiguredRoutes(conn)) return undefined;
    return destinationOf(conn);
  };
  return { transparent, routeDestination };
}

/** The provider hosts whose configured upstream is not the provider itself. */
export function overriddenHosts(upstreams: { openai: string; anthropic: string }): Set<string> {
  const out = new Set<string>();
  for (const [provider, host] of Object.entries(PROVIDER_HOSTS) as [keyof typeof PROVIDER_HOSTS, string][]) {
    let configured: string | undefined;
    try {
      configured = new URL(upstreams[provider]).origin;
    } catch {
      configured = undefined;
    }
    if (configured !== `https://${host}`) out.add(host);
  }
  return out;
}

/**
 * Adds `"node":"<name>"` to every audit record (one JSON object per write, as pino writes them)
 * before passing it on, so records from many waypoints can be told apart once collected.
 */
export function auditWithNode(target: Writable, node: string): Writable {
  const field = `{"node":${JSON.stringify(node)},`;
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const text = String(chunk);
      const out = text.startsWith('{"') ? `${field}${text.slice(1)}` : text;
      if (target.write(out)) callback();
      else target.once('drain', () => callback());
    },
  });
}
