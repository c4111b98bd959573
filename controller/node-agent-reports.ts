// The node agent's PAUSE intake: the waypoint holds no API token (docs/security.md), so it reports a
// PAUSE decision here and the node agent, which has one, opens the SemaIncident through the
// controller's incident path (reconcilers/pause-reporter.ts). The channel is a unix socket in an
// emptyDir only this pod mounts, mode 0660 and owned by the directory's group (the pod's fsGroup):
// the kernel checks who may connect, nothing listens on a network address (hostNetwork or a wrong
// --health-host cannot expose it), and there is no secret to leak into logs or environments.
// What the waypoint says is not trusted as a name: the pod is what the node agent's own directory
// resolves from the connection's origin (the cgroup id the redirect recorded, else the peer
// address), and only a pod on this node that the node agent intercepts can be paused.
import { chmod, chown, lstat, stat, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { dirname } from 'node:path';
import { ControllerError, errorText } from './errors.js';
import type { AgentDirectory, AgentIdentityRecord } from './node-agent-identity.js';
import type { PauseReportInput } from './reconcilers/pause-reporter.js';

/** The incident path: `ClusterPauseReporter.open` (injected so unit tests need no API server). */
export interface IncidentOpener {
  open(input: PauseReportInput): Promise<{ metadata: { name?: string; namespace?: string } }>;
}

type Log = (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;

export interface PauseIntakeOptions {
  directory: AgentDirectory | undefined;
  incidents: IncidentOpener;
  log: Log;
}

/** What the waypoint sends: its `PauseReport` (waypoint/policy/pause-reporter.ts). */
interface ReportBody {
  agent?: { cgroup?: unknown; address?: unknown; namespace?: unknown; pod?: unknown };
  rule?: unknown;
  reason?: unknown;
  requestDigest?: unknown;
}

const MAX_BODY = 64 * 1024;

const refusal = (status: number, message: string): [number, unknown] => [
  status,
  { code: 'SM_ERR_CONTROLLER_PAUSE_REPORT', message },
];

/** Resolves who the report is about from the node agent's own view; [status, body] of a refusal. */
function resolveAgent(
  directory: AgentDirectory,
  agent: NonNullable<ReportBody['agent']>,
): AgentIdentityRecord | [number, unknown] {
  let found: AgentIdentityRecord | undefined;
  if (agent.cgroup !== undefined && agent.cgroup !== '') {
    if (typeof agent.cgroup !== 'string' || !/^\d{1,20}$/.test(agent.cgroup))
      return refusal(400, 'agent.cgroup must be a decimal cgroup id');
    // The kernel's record wins: an unknown cgroup is refused, never retried by address.
    found = directory.byCgroup(BigInt(agent.cgroup));
    if (!found) return refusal(403, `cgroup ${agent.cgroup} is no intercepted pod on this node`);
  } else if (typeof agent.address === 'string' && agent.address) {
    found = directory.byIp(agent.address);
    if (!found || !directory.intercepted(found.uid))
      return refusal(403, `address ${agent.address} is no intercepted pod on this node`);
  } else return refusal(400, 'the report names no connection origin (agent.cgroup or agent.address)');
  // A name the waypoint sends is only checked, never used: a mismatch means the waypoint and the
  // node agent disagree about who connected, and nothing is paused on a guess.
  const claimed = [agent.namespace, agent.pod];
  if (
    (claimed[0] !== undefined && claimed[0] !== '' && claimed[0] !== found.namespace) ||
    (claimed[1] !== undefined && claimed[1] !== '' && claimed[1] !== found.pod)
  )
    return refusal(
      409,
      `the report names ${claimed.join('/')} but the connection is ${found.namespace}/${found.pod}`,
    );
  return found;
}

/** POST /pause with a JSON body: [status, body]. */
export async function pauseIntake(options: PauseIntakeOptions, raw: string): Promise<[number, unknown]> {
  const { directory, incidents, log } = options;
  if (!directory) return refusal(503, 'interception is off: this node agent knows no agent pods');
  let body: ReportBody;
  try {
    body = JSON.parse(raw) as ReportBody;
  } catch (err) {
    return refusal(400, `the report is not JSON: ${errorText(err)}`);
  }
  if (typeof body !== 'object' || body === null || typeof body.agent !== 'object' || body.agent === null)
    return refusal(400, 'the report has no agent');
  if (typeof body.rule !== 'string' || !body.rule || body.rule.length > 600)
    return refusal(400, 'rule must be a non-empty string of at most 600 characters');
  if (typeof body.requestDigest !== 'string' || !/^[0-9a-f]{64}$/.test(body.requestDigest))
    return refusal(400, 'requestDigest must be a SHA-256 hex digest');
  const reason = typeof body.reason === 'string' ? body.reason.slice(0, 1024) : '';
  const found = resolveAgent(directory, body.agent);
  if (Array.isArray(found)) {
    log('warn', 'pause report refused', { status: found[0], ...(found[1] as object) });
    return found;
  }
  try {
    const incident = await incidents.open({
      agent: {
        namespace: found.namespace,
        pod: found.pod,
        serviceAccount: found.serviceAccount,
        ...(typeof body.agent.cgroup === 'string' && body.agent.cgroup ? { cgroup: body.agent.cgroup } : {}),
      },
      rule: body.rule,
      reason,
      requestDigest: body.requestDigest,
    });
    log('info', 'pause reported', {
      pod: `${found.namespace}/${found.pod}`,
      incident: incident.metadata.name,
      identity: found.source,
    });
    return [201, { namespace: found.namespace, pod: found.pod, incident: incident.metadata.name }];
  } catch (err) {
    log('warn', 'pause report failed', { pod: `${found.namespace}/${found.pod}`, error: errorText(err) });
    return refusal(502, errorText(err));
  }
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        // Stop reading; the caller answers 413 and closes the connection.
        req.pause();
        resolve(undefined);
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Serves POST /pause on a unix socket at `path` (a stale socket there is replaced; any other file
 * is refused). The socket is made 0660 and given its directory's group.
 */
export async function listenReportSocket(
  path: string,
  options: PauseIntakeOptions,
): Promise<{ close(): Promise<void> }> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing && !existing.isSocket())
    throw new ControllerError(
      'SM_ERR_CONTROLLER_CONFIG',
      `--report-socket ${path} exists and is not a socket`,
    );
  if (existing) await unlink(path);
  const server: Server = createServer((req, res) => {
    const answer = ([status, body]: [number, unknown]) =>
      res
        .writeHead(status, {
          'content-type': 'application/json',
          ...(status === 413 ? { connection: 'close' } : {}),
        })
        .end(JSON.stringify(body), () => {
          if (status === 413) req.destroy();
        });
    if (req.url !== '/pause') return answer([404, { message: 'only POST /pause is served here' }]);
    if (req.method !== 'POST')
      return answer([405, { code: 'SM_ERR_CONTROLLER_METHOD', message: 'POST only' }]);
    readBody(req).then(
      (raw) =>
        raw === undefined
          ? answer(refusal(413, `the report is larger than ${MAX_BODY} bytes`))
          : pauseIntake(options, raw).then(answer),
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new ControllerError('SM_ERR_CONTROLLER_LISTEN', `cannot listen on ${path}`, { cause: err })),
    );
    server.listen(path, resolve);
  });
  try {
    await chmod(path, 0o660);
    const dirGid = (await stat(dirname(path))).gid;
    if ((await stat(path)).gid !== dirGid) await chown(path, -1, dirGid);
  } catch (err) {
    server.close();
    throw new ControllerError(
      'SM_ERR_CONTROLLER_CONFIG',
      `cannot restrict ${path} to its directory's group: ${errorText(err)}`,
      { cause: err },
    );
  }
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
