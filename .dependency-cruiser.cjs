// The import rules of docs/architecture.md, checked by `npm run lint:deps` (part of `npm test`).
// Rules apply to product code; tests, test support, benches and scripts may reach across folders.
/** Files that are not product code: tests, test-only helpers, benches, scripts. */
const NOT_PRODUCT = '(^(test|bench|scripts)/)|([.]test[.]ts$)|(/testing([.]ts$|/))|(/test-support[.]ts$)|(/store-suite[.]ts$)';
const OURS = ['api', 'intent', 'kube', 'engine', 'waypoint', 'quota', 'bpf', 'controller', 'gitops', 'console', 'cli', 'test'];
const folders = (names) => `^(${names.join('|')})/`;
const except = (...keep) => folders(OURS.filter((f) => !keep.includes(f)));

/** One rule: product code in `from` must not import `to`. */
function forbid(name, comment, from, to) {
  return { name, comment, severity: 'error', from: { path: from, pathNot: NOT_PRODUCT }, to: { path: to } };
}

module.exports = {
  forbidden: [
    forbid('api-imports-nothing-of-ours', 'api/ is the contract every component shares', '^api/', except('api')),
    forbid('intent-imports-nothing-of-ours', 'intent/ is a leaf library', '^intent/', except('intent')),
    forbid('engine-imports-only-api-and-intent', 'the Rego toolchain', '^engine/', except('engine', 'api', 'intent')),
    forbid('kube-imports-only-api', 'the one door to the API server', '^kube/', except('kube', 'api')),
    forbid('gitops-never-imports-controller', 'the controller runs gitops, not the reverse', '^gitops/', '^controller/'),
    forbid(
      'waypoint-never-imports-controller-or-gitops',
      'the waypoint talks to the controller over HTTP',
      '^waypoint/',
      folders(['controller', 'gitops']),
    ),
    forbid(
      'bpf-imports-no-policy-code',
      'the interception layer knows nothing of policy',
      '^bpf/',
      except('bpf'),
    ),
    forbid(
      'console-imports-only-api-and-quota',
      'the console is fed over its interfaces; the controller and the CLI plug the cluster in',
      '^console/',
      except('console', 'api', 'quota'),
    ),
    {
      name: 'only-controller-and-cli-import-the-console',
      comment: 'the console is mounted by the controller and by `semamesh up`',
      severity: 'error',
      from: { pathNot: `^(console|controller|cli)/|${NOT_PRODUCT}` },
      to: { path: '^console/' },
    },
    {
      name: 'nothing-imports-cli',
      comment: 'the CLI is the top of the house',
      severity: 'error',
      from: { pathNot: `^cli/|${NOT_PRODUCT}` },
      to: { path: '^cli/' },
    },
    {
      name: 'only-kube-imports-the-kubernetes-client',
      comment: 'kube/ is the only place that touches @kubernetes/client-node',
      severity: 'error',
      from: { pathNot: `^kube/|${NOT_PRODUCT}` },
      to: { path: 'node_modules/@kubernetes/client-node' },
    },
    {
      name: 'only-bpf-loads-the-native-addon',
      comment: 'the libbpf addon is loaded through bpf/src only',
      severity: 'error',
      from: { pathNot: '^bpf/' },
      to: { path: '^bpf/addon/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|build|fixtures)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    moduleSystems: ['es6', 'cjs'],
  },
};
