// How `kubectl sema` reaches the cluster: the user's kubeconfig (KUBECONFIG, --kubeconfig,
// --context), the namespace (-n, -A, else the context's), who the user is, and errors in words a
// kubectl user recognizes.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Command } from 'commander';
import { ControllerError, isK8sError, K8sClient, type KubeObject } from '../../controller/index.js';

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface Session {
  client: K8sClient;
  /** undefined with -A: every namespace. */
  namespace: string | undefined;
  /** The user entry of the kubeconfig context (a label; decidedBy uses authenticatedUser). */
  user: string;
}

/**
 * Without any kubeconfig the client library quietly targets http://localhost:8080 and fails with a
 * TLS complaint; say what is missing instead, as kubectl does.
 */
function requireKubeconfig(o: GlobalOptions): void {
  if (o.kubeconfig || process.env.KUBERNETES_SERVICE_HOST) return;
  const fromEnv = (process.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  const candidates = fromEnv.length > 0 ? fromEnv : [join(homedir(), '.kube', 'config')];
  if (candidates.some((f) => existsSync(f))) return;
  throw new ControllerError(
    'SM_ERR_CONTROLLER_KUBECTL',
    `no kubeconfig found (looked at ${candidates.join(', ')}): set KUBECONFIG, pass --kubeconfig, or run inside a cluster`,
  );
}

/**
 * Who the API server says we are (SelfSubjectReview, Kubernetes ≥ 1.28): what a decision records
 * as decidedBy, and what the admission policy semamesh-incident-decisions requires it to be. A
 * server without the API (old clusters, the in-repo test server) gets the kubeconfig user entry; the
 * admission policy still refuses it there if it is not the authenticated name.
 */
export async function authenticatedUser(s: Session): Promise<string> {
  try {
    const review = await s.client.create<KubeObject & { status?: { userInfo?: { username?: string } } }>({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: {},
    } as unknown as KubeObject);
    const name = review.status?.userInfo?.username;
    if (name) return name;
  } catch (err) {
    if (!isK8sError(err)) throw err;
  }
  return s.user;
}

export function session(cmd: Command): Session {
  const o = cmd.optsWithGlobals<GlobalOptions>();
  requireKubeconfig(o);
  const client = K8sClient.fromKubeconfig({ kubeconfigPath: o.kubeconfig, context: o.context });
  const kc = client.kubeConfig;
  const user = kc.getCurrentUser()?.name ?? kc.getCurrentContext() ?? 'unknown';
  return { client, namespace: o.allNamespaces ? undefined : (o.namespace ?? client.defaultNamespace), user };
}

/** Finds a named object in the session's namespace, or across all namespaces with -A. */
export async function findNamed<T extends KubeObject>(
  s: Session,
  kind: { apiVersion: string; kind: string },
  what: string,
  name: string,
): Promise<T> {
  if (s.namespace !== undefined) {
    const found = await s.client.find<T>({ ...kind, namespace: s.namespace, name });
    if (!found) throw notFound(what, name, `in namespace "${s.namespace}"`);
    return found;
  }
  const all = (await s.client.list<T>(kind)).filter((o) => o.metadata.name === name);
  if (all.length === 0) throw notFound(what, name, 'in any namespace');
  if (all.length > 1)
    throw new ControllerError(
      'SM_ERR_CONTROLLER_KUBECTL',
      `${what} "${name}" exists in several namespaces (${all.map((o) => o.metadata.namespace).join(', ')}); pick one with -n`,
    );
  return all[0];
}

const notFound = (what: string, name: string, where: string) =>
  new ControllerError('SM_ERR_CONTROLLER_INCIDENT_NOT_FOUND', `${what} "${name}" not found ${where}`);

/** One line for the terminal: what went wrong and, where it helps, what to do. */
export function describeError(err: unknown): string {
  if (isK8sError(err)) {
    switch (err.code) {
      case 'SM_ERR_K8S_CONFIG':
        return `error: no cluster to talk to: ${err.message} (set KUBECONFIG or pass --kubeconfig / --context) [${err.code}]`;
      case 'SM_ERR_K8S_UNAVAILABLE':
        return `error: cannot reach the cluster: ${err.message} [${err.code}]`;
      case 'SM_ERR_K8S_FORBIDDEN':
        return `error: forbidden: ${err.message} (ask for RBAC on semamesh.io resources) [${err.code}]`;
      case 'SM_ERR_K8S_NOT_FOUND':
        // A missing collection (404 on a list) means the kind is not served: the CRDs are missing.
        return /does not serve|^list Sema/.test(err.message)
          ? `error: the server has no SemaMesh resources: ${err.message} (are the CRDs installed?) [${err.code}]`
          : `error: not found: ${err.message} [${err.code}]`;
      default:
        return `error: ${err.message} [${err.code}]`;
    }
  }
  if (err instanceof ControllerError) return `error: ${err.message} [${err.code}]`;
  return `error: ${err instanceof Error ? err.message : String(err)}`;
}
