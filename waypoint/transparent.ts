// Transparent mode: the waypoint's side of the eBPF redirect. It records each redirected connection's
// original destination when the connection is accepted (the kernel forgets it once the client
// closes), terminates TLS for :443 targets with a leaf minted for the SNI, feeds the decrypted
// connection into the same HTTP server and filter chain, and tells the router where to forward.

import type { AddressInfo } from 'node:net';
import { isIP, type Server as NetServer, createServer as netServer, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Destination, OriginalDestination } from './routing.js';
import type { Waypoint } from './server.js';
import { tlsError } from './tls/errors.js';
import type { LeafMinter } from './tls/leaf.js';

/** What the kernel says a redirected socket originally dialled (bpf/src's `originalDestination`). */
export type DestinationLookup = (socket: Socket) => { address: string; port: number } | undefined;

export interface InterceptedConnection {
  /** The address and port the agent dialled. */
  address: string;
  port: number;
  /** The name the agent resolved to `address`, when the interceptor's DNS tracking knows it. */
  hostname: string | undefined;
  /** Whether it arrived on the TLS listener (and was decrypted here). */
  tls: boolean;
  /** The TLS server name the agent sent (SNI), if any. */
  servername: string | undefined;
}

export interface TransparentOptions {
  /** Injected by the CLI: the waypoint itself never loads the BPF addon. */
  originalDestination: DestinationLookup;
  /** Mints the certificates the TLS listener presents. */
  minter: LeafMinter;
  /** Reverse DNS of the interceptor's target set: which configured host resolved to this address. */
  hostnameFor?: (address: string, port: number) => string | undefined;
  /**
   * True when this connection's requests follow the waypoint's configured routes (a mock, an
   * `--upstream` override) instead of going to the original destination. Default: never.
   */
  useConfiguredRoutes?: (conn: InterceptedConnection) => boolean;
  /** Address of the TLS listener (default 127.0.0.1, port 0 = a free one). */
  tlsHost?: string;
  tlsPort?: number;
  /** TLS handshakes must finish within this (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Failed handshakes and lookups (the connection is closed; the waypoint keeps running). */
  onError?: (err: unknown) => void;
}

export class TransparentMode {
  readonly #options: TransparentOptions;
  readonly #connections = new WeakMap<Socket, InterceptedConnection>();
  readonly #open = new Set<Socket>();
  #tlsServer: NetServer | undefined;
  #waypoint: Waypoint | undefined;
  readonly #onPlain = (socket: Socket) => this.#recordPlain(socket);
  /** Connections handed to the HTTP server, by listener. */
  readonly counts = { plain: 0, tls: 0, handshakeFailures: 0 };

  constructor(options: TransparentOptions) {
    this.#options = options;
  }

  /** The router's seam (WaypointOptions.originalDestination): where this socket's requests go. */
  readonly routeDestination: OriginalDestination = (socket) => {
    const conn = this.connectionOf(socket);
    if (!conn || this.#options.useConfiguredRoutes?.(conn)) return undefined;
    return destinationOf(conn);
  };

  /** The interception facts of a socket the HTTP server is serving, if it was redirected. */
  connectionOf(socket: Socket): InterceptedConnection | undefined {
    return this.#connections.get(socket);
  }

  /**
   * Starts recording original destinations on the waypoint's HTTP listener and opens the TLS
   * listener. Call it in the process (and cgroup) that created the waypoint's listeners.
   */
  async listen(waypoint: Waypoint): Promise<{ tlsPort: number }> {
    this.#waypoint = waypoint;
    waypoint.app.server.on('connection', this.#onPlain);
    const server = netServer({ pauseOnConnect: true }, (raw) => {
      this.#acceptTls(raw).catch((err: unknown) => {
        this.counts.handshakeFailures++;
        this.#options.onError?.(err);
        raw.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(tlsError('SM_ERR_TLS_LISTEN', 'cannot open the transparent TLS listener', err)),
      );
      server.listen(this.#options.tlsPort ?? 0, this.#options.tlsHost ?? '127.0.0.1', () => resolve());
    });
    this.#tlsServer = server;
    return { tlsPort: (server.address() as AddressInfo).port };
  }

  async close(): Promise<void> {
    this.#waypoint?.app.server.off('connection', this.#onPlain);
    for (const s of this.#open) s.destroy();
    const server = this.#tlsServer;
    this.#tlsServer = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #lookup(socket: Socket): { address: string; port: number } | undefined {
    try {
      return this.#options.originalDestination(socket);
    } catch (err) {
      this.#options.onError?.(err);
      return undefined;
    }
  }

  #recordPlain(socket: Socket): void {
    // The TLS listener's decrypted sockets pass through here too; they are recorded already.
    if (this.#connections.has(socket) || socket instanceof TLSSocket) return;
    const dst = this.#lookup(socket);
    if (!dst) return;
    this.counts.plain++;
    this.#connections.set(socket, {
      address: dst.address,
      port: dst.port,
      hostname: this.#options.hostnameFor?.(dst.address, dst.port),
      tls: false,
      servername: undefined,
    });
  }

  async #acceptTls(raw: Socket): Promise<void> {
    this.#open.add(raw);
    raw.once('close', () => this.#open.delete(raw));
    raw.on('error', () => raw.destroy());
    // Read before anything async: the entry is gone as soon as the client closes.
    const dst = this.#lookup(raw);
    const hostname = dst ? this.#options.hostnameFor?.(dst.address, dst.port) : undefined;
    // Clients connecting to an IP address send no SNI: they get a leaf for the name they resolved,
    // or for the address itself.
    const fallbackName = hostname ?? dst?.address ?? raw.localAddress ?? '127.0.0.1';
    const minter = this.#options.minter;
    const secureContext = await minter.context(fallbackName);
    if (raw.destroyed) return;
    const sni = minter.sniCallback();
    const tls = new TLSSocket(raw, {
      isServer: true,
      secureContext,
      SNICallback: sni,
      ALPNProtocols: ['http/1.1'],
    });
    let secured = false;
    const timer = setTimeout(() => tls.destroy(), this.#options.handshakeTimeoutMs ?? 10_000);
    tls.once('close', () => clearTimeout(timer));
    tls.on('error', (err) => {
      clearTimeout(timer);
      if (!secured) {
        this.counts.handshakeFailures++;
        this.#options.onError?.(
          tlsError('SM_ERR_TLS_LISTEN', 'TLS handshake with an intercepted client failed', err),
        );
      }
      tls.destroy();
    });
    tls.once('secure', () => {
      secured = true;
      clearTimeout(timer);
      // Clients that reject our certificate (no mesh CA) abort here with an alert: fail closed.
      const servername = typeof tls.servername === 'string' ? tls.servername : undefined;
      if (dst) {
        this.counts.tls++;
        this.#connections.set(tls, { address: dst.address, port: dst.port, hostname, tls: true, servername });
      }
      this.#waypoint?.app.server.emit('connection', tls);
    });
    raw.resume();
  }
}

/**
 * Where an intercepted connection goes: always the address it dialled (never where its SNI points),
 * with the name it meant — TLS SNI, else the interceptor's DNS name — as the upstream server name,
 * verified by the upstream certificate. An SNI that is not the name the agent resolved to that
 * address is a mismatch (refused).
 */
export function destinationOf(conn: InterceptedConnection): Destination {
  const host = isIP(conn.address) === 6 ? `[${conn.address}]` : conn.address;
  const sni = conn.tls ? conn.servername?.toLowerCase() : undefined;
  const resolved = conn.hostname?.toLowerCase();
  const out: Destination = { host, port: conn.port, tls: conn.tls };
  const name = sni ?? resolved;
  if (name && isIP(name) === 0) out.servername = name;
  if (sni && resolved && sni !== resolved)
    out.mismatch = `the TLS server name ${sni} is not ${resolved}, the name resolved to the dialled address`;
  return out;
}
