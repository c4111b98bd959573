// The console as the controller serves it: users sign in with a Kubernetes bearer token (TokenReview)
// and RBAC decides what they may see and do (SubjectAccessReview); incidents, policies and budgets
// are read from the API server, decisions arrive from the waypoints' reports.
import type { SemaPolicy, SemaPolicySource, SemaQuota } from '../api/index.js';
import {
  type Authenticator,
  budgetsFromQuotas,
  CONSOLE_ERROR_CODES,
  type ConsoleBackend,
  ConsoleError,
  type ConsoleServer,
  cachingAuthenticator,
  createConsoleServer,
  DecisionLog,
  type IncidentView,
  type PolicyView,
} from '../console/index.js';
import { isK8sError, type K8sClient, type KubeObject, SEMAMESH_KINDS } from '../kube/index.js';
import { approveIncident, type IncidentObject, phaseOf, terminateIncident } from './reconcilers/index.js';

type Conditions = { status?: { conditions?: { type: string; status: string; message?: string }[] } };

/** TokenReview for who, SubjectAccessReview for what: the API server's own answers, never ours. */
export function kubeAuthenticator(client: K8sClient): Authenticator {
  return cachingAuthenticator({
    async authenticate(token) {
      const review = await client.review<KubeObject>({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        metadata: { name: '' },
        spec: { token },
      });
      const status = review.status as
        | { authenticated?: boolean; user?: { username?: string; groups?: string[] } }
        | undefined;
      if (!status?.authenticated || !status.user?.username) return undefined;
      return { username: status.user.username, groups: status.user.groups ?? [] };
    },
    async authorize(identity, access) {
      const review = await client.review<KubeObject>({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        metadata: { name: '' },
        spec: {
          user: identity.username,
          groups: identity.groups,
          resourceAttributes: {
            verb: access.verb,
            group: access.group,
            resource: access.resource,
            ...(access.subresource ? { subresource: access.subresource } : {}),
            ...(access.namespace ? { namespace: access.namespace } : {}),
          },
        },
      });
      return (review.status as { allowed?: boolean } | undefined)?.allowed === true;
    },
  });
}

function ready(o: Conditions): { ready: string; message: string } {
  const c = o.status?.conditions?.find((x) => x.type === 'Ready');
  return { ready: c?.status ?? 'Unknown', message: c?.message ?? '' };
}

/** `main@sha1:<commit>` → the commit. */
const commitOf = (revision: string | undefined) => revision?.split(':').pop();

export function kubeConsoleBackend(client: K8sClient, namespace?: string): ConsoleBackend {
  const list = <T>(kind: keyof typeof SEMAMESH_KINDS) =>
    client.list(SEMAMESH_KINDS[kind], namespace ? { namespace } : {}) as Promise<T[]>;
  return {
    async incidents(): Promise<IncidentView[]> {
      const items = await list<IncidentObject>('SemaIncident');
      return items
        .map((i) => ({
          namespace: i.metadata.namespace ?? '',
          name: i.metadata.name,
          agent: `${i.spec.agent.namespace}/${i.spec.agent.pod}`,
          policy: i.spec.policy,
          rule: i.spec.rule,
          reason: i.spec.reason ?? '',
          phase: phaseOf(i),
          detectedAt: i.spec.detectedAt ?? i.metadata.creationTimestamp ?? '',
          decidedBy: i.status?.decidedBy,
          checkpoint: i.status?.checkpoint?.path,
        }))
        .sort((a, b) => (a.detectedAt < b.detectedAt ? 1 : -1));
    },
    async policies(): Promise<PolicyView[]> {
      const [policies, sources] = await Promise.all([
        list<SemaPolicy & KubeObject>('SemaPolicy'),
        list<SemaPolicySource & KubeObject>('SemaPolicySource').catch(() => []),
      ]);
      const revisions = new Map(
        sources.map((s) => [`${s.metadata.namespace}.${s.metadata.name}`, s.status?.lastAppliedRevision]),
      );
      return policies.map((p) => {
        const source = p.metadata.labels?.['semamesh.io/source'];
        const revision = source ? revisions.get(source) : undefined;
        return {
          namespace: p.metadata.namespace ?? '',
          name: p.metadata.name,
          kind: 'SemaPolicy',
          rules: p.spec.rules.length,
          enforcement: p.spec.enforcement ?? 'enforce',
          ...ready(p as Conditions),
          sourceCommit: commitOf(revision),
          source: source
            ? `SemaPolicySource ${source.replace('.', '/')} ${revision ?? ''}`.trim()
            : undefined,
        };
      });
    },
    async budgets() {
      return budgetsFromQuotas(await list<SemaQuota & KubeObject>('SemaQuota'));
    },
    async decide(ns, name, action, by) {
      const decide = action === 'approve' ? approveIncident : terminateIncident;
      try {
        await decide(client, ns, name, by.username);
      } catch (err) {
        if (isK8sError(err) && err.status === 404)
          throw new ConsoleError(CONSOLE_ERROR_CODES.NOT_FOUND, 404, `no SemaIncident ${ns}/${name}`);
        const code = (err as { code?: string }).code;
        if (code === 'SM_ERR_CONTROLLER_INCIDENT_STATE' || code === 'SM_ERR_CONTROLLER_KUBECTL')
          throw new ConsoleError(CONSOLE_ERROR_CODES.CONFLICT, 409, (err as Error).message, { cause: err });
        throw err;
      }
    },
  };
}

/** The controller's console: cluster sign-in, cluster data, and decision reports from waypoints. */
export async function createControllerConsole(
  client: K8sClient,
  options: { namespace?: string; authenticator?: Authenticator } = {},
): Promise<ConsoleServer & { decisions: DecisionLog }> {
  const decisions = new DecisionLog();
  const server = await createConsoleServer({
    authenticator: options.authenticator ?? kubeAuthenticator(client),
    backend: kubeConsoleBackend(client, options.namespace),
    decisions,
    mode: 'cluster',
    acceptReports: true,
  });
  return Object.assign(server, { decisions });
}
