// Identifies the agent behind a request: by default only its peer address is known; the eBPF/cgroup
// lookup (or a test) supplies pod, namespace, service account, labels and cgroup via `identify`.
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { AgentIdentity } from '../../policy/decision.js';
import type { Filter } from '../types.js';

export interface IdentifyInfo {
  remoteAddress: string;
  remotePort: number;
  socket: Socket;
  headers: IncomingHttpHeaders;
}

export type Identify = (
  info: IdentifyInfo,
) => Partial<AgentIdentity> | Promise<Partial<AgentIdentity>> | undefined;

export interface IdentityOptions {
  identify?: Identify;
}

export function identity(options: IdentityOptions = {}): Filter {
  return {
    name: 'identity',
    // Synchronous when there is no lookup, or when the lookup answers synchronously: a promise per
    // request would cost an await on the hot path for nothing.
    onRequest(ctx) {
      const found = options.identify?.({
        remoteAddress: ctx.remoteAddress,
        remotePort: ctx.socket.remotePort ?? 0,
        socket: ctx.socket,
        headers: ctx.headers,
      });
      if (found instanceof Promise)
        return found.then((f) => {
          ctx.agent = { ...ctx.agent, ...f, address: ctx.remoteAddress };
        });
      ctx.agent = { ...ctx.agent, ...found, address: ctx.remoteAddress };
    },
  };
}
