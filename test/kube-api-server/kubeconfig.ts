// The kubeconfig clients use to reach the test server: YAML text, a file, and a loaded KubeConfig.
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export const CONTEXT_NAME = 'semamesh-test';

export function kubeconfigYaml(
  server: string,
  caCert: string | undefined,
  token: string | undefined,
  namespace: string,
): string {
  const cluster: Record<string, unknown> = { server };
  if (caCert) cluster['certificate-authority-data'] = Buffer.from(caCert).toString('base64');
  // client-node refuses plain-HTTP servers unless the cluster is marked insecure.
  else cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT_NAME, cluster }],
    users: [{ name: CONTEXT_NAME, user: token ? { token } : {} }],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: CONTEXT_NAME, namespace } }],
    'current-context': CONTEXT_NAME,
  });
}

export function loadKubeConfig(yaml: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  return kc;
}
