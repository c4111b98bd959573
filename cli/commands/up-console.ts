// `semamesh up`'s console: the decision log fed from the waypoint's audit records, local incidents
// (the store `semamesh exec` and `semamesh incidents` share), the loaded policies and the SQLite
// budgets, behind a per-run token printed once at start.
import { randomBytes } from 'node:crypto';
import type { SemaPolicy } from '../../api/index.js';
import {
  budgetsFromStatus,
  CONSOLE_ERROR_CODES,
  type ConsoleBackend,
  ConsoleError,
  type ConsoleServer,
  createConsoleServer,
  DecisionLog,
  localTokenAuthenticator,
  type PolicyView,
} from '../../console/index.js';
// The pause modules only: the controller's barrel would load the Kubernetes client at start-up.
import { isControllerError } from '../../controller/errors.js';
import {
  approveIncident as approveLocalIncident,
  IncidentStore,
  listIncidents as listLocalIncidents,
  nodeCgroups,
  PauseAgent,
  terminateIncident as terminateLocalIncident,
} from '../../controller/pause/index.js';
import type { QuotaBudgetEngine } from '../../quota/index.js';
import type { PauseReporter } from '../../waypoint/index.js';
import { defaultIncidentStore } from './incident-store-path.js';
import { localPauseReporter } from './up-pause.js';

/** Incidents of local mode all live in one pseudo-namespace in the console's URLs. */
export const LOCAL_NAMESPACE = 'local';

export interface LocalPolicies {
  policies: SemaPolicy[];
  /** `path` or `repo (commit)` */
  source: string;
  commit?: string;
}

export interface UpConsoleOptions {
  store: IncidentStore;
  policies: () => LocalPolicies;
  budget?: QuotaBudgetEngine;
  token?: string;
}

export interface UpConsole {
  server: ConsoleServer;
  decisions: DecisionLog;
  token: string;
  /** Records PAUSE decisions as incidents awaiting a human in the console. */
  pauseReporter: PauseReporter;
}

function policyViews(p: LocalPolicies): PolicyView[] {
  return p.policies.map((policy) => ({
    namespace: policy.metadata?.namespace ?? '',
    name: String(policy.metadata?.name ?? ''),
    kind: 'SemaPolicy',
    rules: policy.spec.rules.length,
    enforcement: policy.spec.enforcement ?? 'enforce',
    ready: 'True',
    message: 'compiled into the running bundle',
    sourceCommit: p.commit,
    source: p.source,
  }));
}

function mapError(err: unknown): never {
  if (isControllerError(err)) {
    if (err.code === 'SM_ERR_CONTROLLER_INCIDENT_NOT_FOUND')
      throw new ConsoleError(CONSOLE_ERROR_CODES.NOT_FOUND, 404, err.message, { cause: err });
    if (err.code === 'SM_ERR_CONTROLLER_INCIDENT_STATE')
      throw new ConsoleError(CONSOLE_ERROR_CODES.CONFLICT, 409, err.message, { cause: err });
  }
  throw err;
}

export async function createUpConsole(options: UpConsoleOptions): Promise<UpConsole> {
  const decisions = new DecisionLog();
  const token = options.token ?? randomBytes(24).toString('base64url');
  const { store } = options;
  const agent = () => new PauseAgent(nodeCgroups('/'));
  const backend: ConsoleBackend = {
    async incidents() {
      return (await listLocalIncidents(store)).map((i) => ({
        namespace: LOCAL_NAMESPACE,
        name: i.id,
        agent: i.agent.pod
          ? `${i.agent.namespace}/${i.agent.pod}`
          : i.agent.command || i.agent.cgroup || 'agent',
        policy: i.policy,
        rule: i.rule,
        reason: i.reason,
        phase: i.phase,
        detectedAt: i.detectedAt,
        decidedBy: i.decidedBy,
        checkpoint: i.checkpoint?.path,
      }));
    },
    async policies() {
      return policyViews(options.policies());
    },
    async budgets() {
      return options.budget ? budgetsFromStatus(await options.budget.status()) : [];
    },
    async decide(namespace, name, action, by) {
      if (namespace !== LOCAL_NAMESPACE)
        throw new ConsoleError(CONSOLE_ERROR_CODES.NOT_FOUND, 404, `no incident ${namespace}/${name}`);
      const decide = action === 'approve' ? approveLocalIncident : terminateLocalIncident;
      await decide(store, agent(), name, by.username).catch(mapError);
    },
  };
  const server = await createConsoleServer({
    authenticator: localTokenAuthenticator(token),
    backend,
    decisions,
    mode: 'local',
  });
  const pauseReporter = localPauseReporter(store);
  return { server, decisions, token, pauseReporter };
}

/** The console `semamesh up` serves, unless `--no-console`: the options it reads from the command. */
export async function upConsoleFor(
  opts: { console?: boolean; incidentStore?: string; consoleToken?: string },
  policies: () => LocalPolicies,
  budget: QuotaBudgetEngine | undefined,
): Promise<UpConsole | undefined> {
  if (opts.console === false) return undefined;
  return createUpConsole({
    store: new IncidentStore(opts.incidentStore ?? defaultIncidentStore()),
    policies,
    budget,
    token: opts.consoleToken,
  });
}
