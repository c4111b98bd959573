// Manifest texts the GitOps tests and the benchmark commit to their repositories.

/** A one-rule SemaPolicy; `message` makes each revision distinguishable in the cluster. */
export function policyYaml(name: string, message: string, namespace?: string): string {
  return [
    'apiVersion: semamesh.io/v1alpha1',
    'kind: SemaPolicy',
    'metadata:',
    `  name: ${name}`,
    ...(namespace ? [`  namespace: ${namespace}`] : []),
    'spec:',
    '  rules:',
    '    - name: no-drops',
    '      intentMatches: [drop database]',
    '      riskLevel: Critical',
    '      action: BLOCK',
    `      message: ${JSON.stringify(message)}`,
    '',
  ].join('\n');
}

export const QUOTA_YAML = `apiVersion: semamesh.io/v1alpha1
kind: SemaQuota
metadata:
  name: team-budget
spec:
  limits:
    - window: day
      tokens: 100000
`;
