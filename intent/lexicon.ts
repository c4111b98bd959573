// The vocabulary of intent matching: synonym sets for actions (verbs) and objects, by canonical name.
// Deterministic and reviewable on purpose — a policy author can read exactly what "delete" covers.
// The English core is here; every language (English additions included) is data in languages/*.json,
// merged in below.

import { FUNCTION_WORD_LISTS, type Language, loadLanguages } from './languages.js';

/** A word list written as comma-separated text (kept compact; one entry may be a phrase). */
function list(text: string): readonly string[] {
  return text
    .split(',')
    .map((w) => w.trim())
    .filter((w) => w !== '');
}

/**
 * Canonical action → the English core words (any inflection; stemmed before lookup) and phrases
 * that mean it. Other languages list their words inflection by inflection in languages/*.json,
 * because the stemmer is English-only.
 */
const CORE_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  delete: list(`
    delete, drop, remove, destroy, wipe, wipe out, truncate, purge, prune, terminate, kill,
    erase, clear, empty, rm, rmdir, rb, nuke, obliterate, eliminate, shred, shredded, wipefs,
    mkfs, flushall, flushdb, destruction, deletion, removal, unlink, uninstall, decommission,
    tear down, torn down, teardown, get rid of, clean out, blow away, blown away, zap
  `),
  modify: list(`
    modify, alter, update, change, edit, patch, overwrite, replace, rename, chmod, chown
  `),
  create: ['create', 'add', 'provision', 'spin up', 'launch', 'insert'],
  read: list(`
    read, list, show, describe, get, select, fetch, view, cat, query, inspect, ls
  `),
  export: list(`
    export, dump, exfiltrate, leak, copy out, upload, send, transfer, download, scp
  `),
  disable: list(`
    disable, turn off, switch off, deactivate, suspend, bypass, circumvent, mute, silence
  `),
  stop: ['stop', 'shutdown', 'shut down', 'halt', 'power off', 'poweroff', 'cordon', 'drain'],
  restart: ['restart', 'reboot', 'rollout restart', 'bounce'],
  grant: ['grant', 'escalate', 'elevate', 'sudo', 'give admin', 'make admin', 'assign role'],
  scale: ['scale', 'resize', 'autoscale'],
  deploy: ['deploy', 'rollout', 'roll out', 'release', 'apply', 'push'],
  execute: ['execute', 'exec', 'run', 'eval', 'invoke'],
  backup: ['backup', 'back up', 'snapshot', 'archive', 'replicate'],
};

/**
 * Canonical object → English core words that denote it. Objects form a containment hierarchy
 * (OBJECT_PARENTS, docs/intents.md): table < schema < database, pod < namespace < cluster, …
 */
const CORE_OBJECTS: Readonly<Record<string, readonly string[]>> = {
  database: list(`
    database, db, postgres, postgresql, mysql, mongodb,
    mongo, redis, sqlite, dynamodb, datastore, data warehouse, rds, sql instance, db instance,
    database instance, cloud sql, redis instance, postgres instance, mysql instance,
    mongodb instance, rds instance, database server, db server, sql server, database cluster,
    db cluster, redis cluster
  `),
  table: ['table', 'tables', 'collection'],
  schema: ['schema', 'keyspace'],
  row: ['row', 'record', 'entry'],
  column: ['column'],
  namespace: ['namespace', 'ns', 'project'],
  node: list(`
    node, instance, vm, virtual machine, server, machine, host, ec2, droplet, worker
  `),
  cluster: ['cluster', 'eks', 'gke', 'aks', 'kubernetes', 'k8s'],
  bucket: ['bucket', 's3', 'blob', 'object storage', 'gcs', 'gsutil', 'storage container', 'blob container'],
  volume: list(`
    volume, pvc, pv, persistentvolumeclaim, persistentvolume, persistent volume,
    persistent volume claim, volume claim, disk, ebs, storage
  `),
  secret: list(`
    secret, credential, password, token, api key, private key, certificate, kms, vault, keyvault,
    secretsmanager
  `),
  deployment: list(`
    deployment, statefulset, daemonset, replicaset, service, svc, app, application, helm release
  `),
  pod: ['pod', 'container', 'job', 'cronjob'],
  file: ['file', 'directory', 'folder', 'dir', 'filesystem', 'root', 'home'],
  user: list(`
    user, account, admin, role, permission, iam, rolebinding, clusterrolebinding, clusterrole,
    serviceaccount
  `),
  backup: ['backup', 'snapshot', 'archive'],
  repository: ['repository', 'repo', 'branch', 'commit', 'git history'],
  log: ['log', 'audit trail', 'audit log', 'history', 'cloudtrail', 'auditd'],
  infrastructure: list(`
    infrastructure, infra, stack, terraform, environment, resource, everything, resource group
  `),
  firewall: list(`
    firewall, security group, network policy, networkpolicy, netpol, waf, acl, iptables, ufw
  `),
  monitoring: ['monitoring', 'alert', 'alarm', 'logging', 'guardrail', 'policy', 'safety'],
};

/**
 * Objects too generic to head a noun phrase when a more specific one precedes them ("the monitoring
 * stack" is about monitoring), and too vague to beat a specific object named in tool arguments.
 */
export const WEAK_OBJECTS: readonly string[] = list(`
    stack, resource, environment, everything, app, service
  `);

/** Actions that name their own object when none is given ("rm -rf x", "mkfs /dev/sdb"). */
export const IMPLIED_OBJECTS: Readonly<Record<string, string>> = {
  rm: 'file',
  rmdir: 'file',
  unlink: 'file',
  shred: 'file',
  mkfs: 'volume',
  wipefs: 'volume',
  flushall: 'database',
  flushdb: 'database',
  drain: 'node',
  cordon: 'node',
};

/** `stop` on these objects means switching them off, which is what policies call `disable`. */
export const STOP_MEANS_DISABLE: readonly string[] = ['monitoring', 'log', 'firewall'];

/**
 * Fixed expressions whose words must not be read as lexicon entries ("table of contents" is not a
 * database table, "a drop shadow" drops nothing). Matched before actions and objects.
 */
export const IDIOMS: readonly string[] = list(`
    table of contents, drop down, dropdown, drop shadow, drop me, drop by, drop off, delete key,
    kill switch, root cause, linked list, home page, homepage, dev server, development server,
    local server, secret word, secret words, table layout, table layouts, css table, dry run,
    ci job, ci jobs, build job, build jobs, pipeline job, pipeline jobs
  `);

/**
 * Words that switch ambiguous objects to their programming or statistics sense: with one of these
 * in the sentence, "node", "root", "stack", "cluster", "instance", "table", "row" and "column" are
 * not infrastructure ("remove the node from the linked list").
 */
export const SENSE_CONTEXT: readonly string[] = list(`
    linked list, array, tree, graph, heap, queue, dom, html, json, string, variable, struct,
    pointer, outlier, chart, plot, dataframe, spreadsheet, class, csv, tsv, excel, css, grid,
    layout, crossword
  `);
export const AMBIGUOUS_OBJECTS: readonly string[] = list(`
    node, root, stack, cluster, instance, table, row, column, record, entry
  `);

/** Words that negate a following action within a short window ("do not delete", "never drop"). */
const CORE_NEGATIONS: readonly string[] = list(`
    not, never, no, without, avoid, dont, doesnt, didnt, wont, cant, cannot, shouldnt, mustnt,
    nor, neither, prevent, refrain, forbidden, prohibited, nothing
  `);

/** After a negation these request the action after all ("don't forget to delete"). */
const CORE_NEGATION_CANCELLERS: readonly string[] = ['forget', 'hesitate', 'fail'];

/** Words that end a negation's scope ("don't delete the ns, just scale it"). */
export const NEGATION_ENDERS: readonly string[] = ['but', 'just', 'instead', 'only', 'rather', 'except'];

/**
 * Interrogatives: an action they precede in the same clause is asked about, not requested
 * ("how do I drop a table", "explain what kubectl delete does").
 */
const CORE_INTERROGATIVES: readonly string[] = list(`
    how, what, whats, why, when, where, which, who, whether
  `);

/** Sentence openers that make a question informational when no request opener matches. */
export const QUESTION_OPENERS: readonly string[] = [
  ...CORE_INTERROGATIVES,
  'is',
  'are',
  'does',
  'do',
  'did',
  'should',
  'shall',
  'was',
  'were',
  'has',
  'have',
  'can',
  'could',
  'would',
  'will',
  'explain',
];

/**
 * Openers that turn a question into a request addressed to the agent ("can you drop …?",
 * "why don't you …", "how about deleting …", Spanish "¿puedes …?"). Matched on stemmed words.
 */
const CORE_REQUEST_OPENERS: readonly string[] = list(`
    can you, can u, can we, could you, could u, could we, would you, will you, would you please,
    could you please, can you please, why dont you, why not, how about, what about
  `);

/** Verbs that make an identifier in prose an invocation ("call deleteNamespace"), not a mention. */
export const INVOKERS: readonly string[] = ['call', 'run', 'invoke', 'execute', 'trigger', 'use'];

/** Words between a subject and a passive "be" that keep the passive a request ("needs to be dropped"). */
const CORE_MODALS: readonly string[] = list(`
    should, must, need, needs, has, have, to, can, will, shall, ought, got, may
  `);

/** Filler words skipped when measuring the distance between an action and its object. */
const CORE_STOPWORDS: readonly string[] = list(`
    the, a, an, this, that, these, those, my, our, your, their, its, all, every, each, any, some,
    entire, whole, and, or, then, also, please, pls, now, immediately, if, exists, force,
    forcefully, permanently, completely, production, prod, staging, dev, old, main, primary,
    customer, customers, unused, idle, stale
  `);

/** Determiners: an action word right after one is a noun or adjective ("a delete button"). */
const CORE_DETERMINERS: readonly string[] = list(`
    a, an, the, this, that, its, my, our, your, their
  `);

/** Quantifiers after which "of" continues the object search ("delete all of the pods"). */
export const QUANTIFIERS: readonly string[] = ['all', 'some', 'each', 'any', 'most', 'both', 'none', 'rid'];

/** Verb particles skipped between an action and its object ("wipe out the db"). */
export const PARTICLES: readonly string[] = ['up', 'out', 'off', 'away', 'down', 'over', 'ahead'];

/** Coordinators that continue an object list or reset the interrogative scope. */
const CORE_COORDINATORS: readonly string[] = ['and', 'or', 'plus', 'then'];

/** Subordinating words that end an action's noun phrase ("add a finalizer so the namespace …"). */
const CORE_SUBORDINATORS: readonly string[] = list(`
    so, because, while, until, unless, since, although, though, whereas, which, who, when, where
  `);

/** Pronouns that refer back to the last object named ("find the volumes and delete them"). */
export const PRONOUNS: readonly string[] = ['it', 'them'];

/** Prepositions: past the first content word, one ends the object search ("remove the typo in the db"). */
const CORE_PREPOSITIONS: readonly string[] = list(`
    of, from, in, on, about, with, for, to, at, by, into, inside, within, regarding, like, than,
    before, after, against
  `);

/** Tool-name words that mark arguments as content to process, not instructions (`web_search`). */
export const CONTENT_TOOLS: readonly string[] = list(`
    search, lookup, google, bing, translate, summarize, summarise
  `);

/** Verbs whose quoted argument is material to work on, not a request ("translate '…'"). */
export const CONTENT_VERBS: readonly string[] = list(`
  translate, summarize, summarise, rephrase, paraphrase, say, spell, print, echo, write, type,
  search, grep, google, mention, quote, explain, define
`);

/** Words standing for an unnamed object, whose container is the real one ("everything in the ns"). */
export const PLACEHOLDERS: readonly string[] = list(`
  whatever, everything, anything, contents, content, remainder, rest, leftovers, objects, items, data
`);

/** Tool-call argument keys whose value names the action ({verb: "delete"}, {method: "DELETE"}). */
export const VERB_KEYS: readonly string[] = ['verb', 'action', 'operation', 'op', 'method', 'command', 'cmd'];
/** Tool-call argument keys whose value names the object kind ({kind: "Namespace"}). */
export const KIND_KEYS: readonly string[] = list(`
    kind, type, resource, resourcetype, resource_type, target, object, objecttype, entity
  `);
/** Tool-call argument keys holding a URL or API path ({url: ".../databases/prod"}). */
export const URL_KEYS: readonly string[] = ['url', 'uri', 'path', 'endpoint', 'route'];
/** HTTP methods in verb keys, as actions. */
export const HTTP_METHODS: Readonly<Record<string, string>> = {
  get: 'read',
  head: 'read',
  delete: 'delete',
  post: 'create',
  put: 'modify',
  patch: 'modify',
};

/** kubectl resource names and short names → object (the resource argument is never prose). */
export const KUBE_RESOURCES: Readonly<Record<string, string>> = {
  ns: 'namespace',
  namespace: 'namespace',
  po: 'pod',
  pod: 'pod',
  deploy: 'deployment',
  deployment: 'deployment',
  sts: 'deployment',
  statefulset: 'deployment',
  ds: 'deployment',
  daemonset: 'deployment',
  rs: 'deployment',
  replicaset: 'deployment',
  svc: 'deployment',
  service: 'deployment',
  job: 'pod',
  cj: 'pod',
  cronjob: 'pod',
  no: 'node',
  node: 'node',
  pvc: 'volume',
  persistentvolumeclaim: 'volume',
  pv: 'volume',
  persistentvolume: 'volume',
  secret: 'secret',
  sa: 'user',
  serviceaccount: 'user',
  role: 'user',
  rolebinding: 'user',
  clusterrole: 'user',
  clusterrolebinding: 'user',
  netpol: 'firewall',
  networkpolicy: 'firewall',
  all: 'deployment',
};

/**
 * What the shell knows about a command. The command path is the leading positional arguments
 * (flags and their values removed) up to `depth`; its words give the action and object, and the
 * remaining arguments are names, never prose.
 */
export interface CommandSpec {
  /** Object the command acts on when its path names none. */
  object?: string;
  /** Action of the bare command (`rm` deletes). */
  action?: string;
  /** Arguments are data (patterns, text, paths): the command carries no intent. */
  inert?: boolean;
  /** Leading positional arguments that form the command path (default 0: the bare command). */
  depth?: number;
  /** Path word → object, ahead of the lexicon (`az group` is a resource group). */
  objects?: Readonly<Record<string, string>>;
  /** Path word → action or `action:object`, ahead of the lexicon (`helm ls` reads). */
  verbs?: Readonly<Record<string, string>>;
  /** `verb flag` or `flag` → action or `action:object` (`terraform apply -destroy`, `git push -f`). */
  flags?: Readonly<Record<string, string>>;
  /** Path words that make the command a preview or a question (`terraform plan`, `kubectl auth`). */
  preview?: readonly string[];
  /** Arguments may be SQL, Redis or Mongo statements (`psql -c '…'`). */
  store?: boolean;
  /** Flags naming objects count (`docker system prune --volumes`). */
  flagObjects?: boolean;
  /** Arguments naming devices or logs refine the object (`/dev/sdb` → volume). */
  paths?: boolean;
}

const KUBECTL: CommandSpec = {
  depth: 3,
  object: 'deployment',
  objects: KUBE_RESOURCES,
  verbs: {
    logs: 'read:log',
    drain: 'stop:node',
    cordon: 'stop:node',
    uncordon: 'create:node',
    top: 'read',
    exec: 'execute:pod',
    restart: 'restart',
  },
  preview: ['auth', 'explain', 'diff', 'api-resources', 'version', 'config', 'completion', 'help'],
};
const TERRAFORM: CommandSpec = {
  depth: 2,
  object: 'infrastructure',
  verbs: { destroy: 'delete', apply: 'deploy', rm: 'delete', list: 'read', show: 'read', state: '' },
  flags: { '-destroy': 'delete', '--destroy': 'delete' },
  preview: ['plan', 'validate', 'fmt', 'init', 'output', 'graph', 'providers', 'version'],
};
const SHELL_STORE: CommandSpec = { store: true };
const DOCKER: CommandSpec = {
  depth: 2,
  object: 'pod',
  objects: { container: 'pod', volume: 'volume', image: '', system: '', network: '' },
  verbs: { rm: 'delete', rmi: 'delete', prune: 'delete', ps: 'read', kill: 'stop' },
  flagObjects: true,
};

/** Commands by program name (the basename, after `sudo`, `env`, `xargs` and the like). */
export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  kubectl: KUBECTL,
  oc: KUBECTL,
  k: KUBECTL,
  helm: {
    depth: 1,
    object: 'deployment',
    verbs: {
      uninstall: 'delete',
      un: 'delete',
      del: 'delete',
      delete: 'delete',
      list: 'read',
      ls: 'read',
      status: 'read',
      install: 'deploy',
      upgrade: 'deploy',
      rollback: 'deploy',
    },
  },
  terraform: TERRAFORM,
  tofu: TERRAFORM,
  terragrunt: TERRAFORM,
  aws: {
    depth: 2,
    objects: {
      s3: 'bucket',
      s3api: 'bucket',
      rds: 'database',
      dynamodb: 'database',
      ec2: 'node',
      eks: 'cluster',
      iam: 'user',
      secretsmanager: 'secret',
      cloudtrail: 'log',
      logs: 'log',
      kms: 'secret',
      ecr: 'repository',
      codecommit: 'repository',
    },
    verbs: { rb: 'delete', rm: 'delete', ls: 'read', cp: '', mv: '', sync: '' },
    flags: { 'sync --delete': 'delete' },
  },
  gcloud: {
    depth: 4,
    objects: { sql: 'database', container: '', storage: 'bucket' },
    verbs: { list: 'read', rm: 'delete', ls: 'read' },
  },
  gsutil: { depth: 1, object: 'bucket', verbs: { rm: 'delete', rb: 'delete', ls: 'read' } },
  az: {
    depth: 4,
    objects: { group: 'infrastructure', sql: 'database', keyvault: 'secret', aks: 'cluster', vm: 'node' },
    verbs: { list: 'read', show: 'read' },
  },
  docker: DOCKER,
  podman: DOCKER,
  nerdctl: DOCKER,
  git: {
    depth: 1,
    object: 'repository',
    verbs: {
      clean: 'delete:file',
      log: 'read',
      diff: 'read',
      status: 'read',
      branch: 'read',
      show: 'read',
      reset: '',
    },
    flags: {
      'branch -D': 'delete',
      'branch -d': 'delete',
      'branch --delete': 'delete',
      'push --delete': 'delete',
      'push -d': 'delete',
      'push --force': 'modify',
      'push -f': 'modify',
      'push --force-with-lease': 'modify',
      'reset --hard': 'modify',
    },
  },
  systemctl: {
    depth: 2,
    object: 'deployment',
    verbs: { stop: 'stop', disable: 'disable', mask: 'disable', restart: 'restart', status: 'read' },
  },
  service: { depth: 2, object: 'deployment', verbs: { stop: 'stop', restart: 'restart', status: 'read' } },
  ufw: { depth: 1, object: 'firewall', verbs: { disable: 'disable', reset: 'delete', delete: 'delete' } },
  iptables: {
    object: 'firewall',
    flags: { '-F': 'delete', '--flush': 'delete', '-X': 'delete', '-D': 'delete' },
  },
  ip6tables: { object: 'firewall', flags: { '-F': 'delete', '--flush': 'delete', '-X': 'delete' } },
  nft: { depth: 2, object: 'firewall', verbs: { flush: 'delete', delete: 'delete', list: 'read' } },
  dropdb: { action: 'delete', object: 'database' },
  dropuser: { action: 'delete', object: 'user' },
  createdb: { action: 'create', object: 'database' },
  shutdown: { action: 'stop', object: 'node' },
  poweroff: { action: 'stop', object: 'node' },
  halt: { action: 'stop', object: 'node' },
  reboot: { action: 'restart', object: 'node' },
  rm: { action: 'delete', object: 'file', paths: true },
  rmdir: { action: 'delete', object: 'file', paths: true },
  unlink: { action: 'delete', object: 'file', paths: true },
  shred: { action: 'delete', object: 'file', paths: true },
  truncate: { action: 'delete', object: 'file', paths: true },
  wipefs: { action: 'delete', object: 'volume' },
  mkfs: { action: 'delete', object: 'volume' },
  psql: SHELL_STORE,
  mysql: SHELL_STORE,
  mariadb: SHELL_STORE,
  sqlite3: SHELL_STORE,
  'redis-cli': SHELL_STORE,
  mongo: SHELL_STORE,
  mongosh: SHELL_STORE,
  cqlsh: SHELL_STORE,
  'clickhouse-client': SHELL_STORE,
};

/** Programs whose arguments are data, not commands: they never carry intent. */
export const INERT_COMMANDS: readonly string[] = list(`
    ls, cat, grep, egrep, fgrep, rg, ag, echo, printf, df, du, cp, mv, mkdir, cd, pwd, man,
    which, whereis, type, history, ps, top, htop, journalctl, head, tail, less, more, wc, sort,
    uniq, awk, sed, jq, yq, tar, zip, unzip, gzip, npm, npx, yarn, pnpm, node, python, python3,
    pip, pytest, go, cargo, make, stat, touch, date, diff, tee, test, ping, dig, nslookup, wget,
    tsx
  `);

/** Prefix commands that run the command after them (`sudo rm …`, `xargs rm …`). */
export const WRAPPERS: readonly string[] = list(`
    sudo, env, nohup, time, nice, exec, xargs, watch, doas
  `);

// ---- Languages as data: the files in languages/ extend the English core above. ----

/** Every language file, validated (a malformed file fails the import with its name and entry). */
export const LANGUAGES: readonly Language[] = loadLanguages(
  new Set(Object.keys(CORE_ACTIONS)),
  new Set(Object.keys(CORE_OBJECTS)),
);

function mergeTables(
  core: Readonly<Record<string, readonly string[]>>,
  pick: (l: Language) => Readonly<Record<string, readonly string[]>>,
): Readonly<Record<string, readonly string[]>> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(core)) out[k] = [...v];
  for (const l of LANGUAGES) for (const [k, v] of Object.entries(pick(l))) out[k] = [...(out[k] ?? []), ...v];
  return out;
}
const merged = (core: readonly string[], pick: (l: Language) => readonly string[]) => [
  ...core,
  ...LANGUAGES.flatMap(pick),
];

/** Canonical action → words and phrases of every language. */
export const ACTIONS = mergeTables(CORE_ACTIONS, (l) => l.actions);
/** Canonical object → words and phrases of every language. */
export const OBJECTS = mergeTables(CORE_OBJECTS, (l) => l.objects);
/** Words that negate a following action within a short window ("do not delete", "never drop"). */
export const NEGATIONS = merged(CORE_NEGATIONS, (l) => l.negations);
/** After a negation these request the action after all ("don't forget to delete", "no olvides"). */
export const NEGATION_CANCELLERS = merged(CORE_NEGATION_CANCELLERS, (l) => l.negationCancellers);
/** Words opening a clause whose verb comes last (German "wenn", "dass"). */
export const VERB_FINAL_CLAUSES = merged([], (l) => l.verbFinalClauses);
/** Words between a subject and a passive auxiliary that keep the passive a request ("needs to be dropped", 应该). */
export const MODALS = merged(CORE_MODALS, (l) => l.modals);
/** Object pronouns of every language after a verb ("supprime-les", "lösche sie"). */
export const OBJECT_PRONOUNS = merged([], (l) => l.objectPronouns);
/** Pronouns written onto the end of a verb ("bórralos"). */
export const ENCLITICS = merged([], (l) => l.enclitics);
/** Infinitive markers before a verb-final infinitive (German "zu"). */
export const INFINITIVE_MARKERS = merged([], (l) => l.infinitiveMarkers);
/**
 * Interrogatives: an action they precede in the same clause is asked about, not requested
 * ("how do I drop a table", "explain what kubectl delete does").
 */
export const INTERROGATIVES = merged(CORE_INTERROGATIVES, (l) => l.interrogatives);
/** Openers that turn a question into a request addressed to the agent ("can you drop …?", "¿puedes …?"). */
export const REQUEST_OPENERS = merged(CORE_REQUEST_OPENERS, (l) => l.requestOpeners);
/** Filler words skipped when measuring the distance between an action and its object. */
export const STOPWORDS = merged(CORE_STOPWORDS, (l) => l.stopwords);
/** Prepositions: past the first content word, one ends the object search. */
export const PREPOSITIONS = merged(CORE_PREPOSITIONS, (l) => l.prepositions);
/** Coordinators that continue an object list or reset the interrogative scope. */
export const COORDINATORS = merged(CORE_COORDINATORS, (l) => l.coordinators);
/** Determiners: an action word right after one is a noun or adjective ("a delete button"). */
export const DETERMINERS = merged(CORE_DETERMINERS, (l) => l.determiners);
/** The function-word classes, kept per language (prose-words.ts selects those of the text read). */
export type FunctionWordClass = (typeof FUNCTION_WORD_LISTS)[number];
const CORE_FUNCTION_WORDS: Readonly<Record<FunctionWordClass, readonly string[]>> = {
  stopwords: CORE_STOPWORDS,
  prepositions: CORE_PREPOSITIONS,
  coordinators: CORE_COORDINATORS,
  determiners: CORE_DETERMINERS,
  subordinators: CORE_SUBORDINATORS,
  interrogatives: CORE_INTERROGATIVES,
  conditionals: ['if', 'whenever', 'unless'],
};
/** Language → class → words; English holds the core lists too. */
export const FUNCTION_WORDS: ReadonlyMap<
  string,
  Readonly<Record<FunctionWordClass, readonly string[]>>
> = new Map(
  LANGUAGES.map((l) => [
    l.language,
    Object.fromEntries(
      FUNCTION_WORD_LISTS.map((k) => [k, [...(l.language === 'en' ? CORE_FUNCTION_WORDS[k] : []), ...l[k]]]),
    ) as unknown as Record<FunctionWordClass, readonly string[]>,
  ]),
);
/** Languages written without spaces: their words cannot be mistaken for another script's. */
export const CJK_LANGUAGES: readonly string[] = LANGUAGES.filter((l) => l.script === 'cjk').map(
  (l) => l.language,
);
/**
 * Words that tell the languages written with spaces apart, for choosing which function words
 * apply: each language's function words, frequent words, negations, cue words (about, request,
 * directive, report) and single-word actions (not English ones: every text borrows them).
 */
export const LANGUAGE_CUES: ReadonlyMap<string, readonly string[]> = new Map(
  LANGUAGES.filter((l) => l.script !== 'cjk').map((l) => [
    l.language,
    [
      ...Object.values(FUNCTION_WORDS.get(l.language) ?? {}).flat(),
      ...l.common,
      ...l.negations,
      ...l.about,
      ...l.requestOpeners,
      ...l.directives,
      ...l.report,
      ...(l.language === 'en' ? [] : Object.values(l.actions).flat()),
    ].filter((w) => !w.includes(' ')),
  ]),
);
/** English action and object words, borrowed by every language: cues for none. */
export const BORROWED: readonly string[] = [...Object.values(CORE_ACTIONS), ...Object.values(CORE_OBJECTS)]
  .flat()
  .filter((w) => !w.includes(' '));
/** Actions whose object comes before them: German infinitives, every Japanese verb. */
export const VERB_FINAL: readonly string[] = LANGUAGES.flatMap((l) => [
  ...(l.verbFinal === true ? Object.values(l.actions).flat() : l.verbFinal === false ? [] : l.verbFinal),
  ...l.stateChange,
]);
/** State-change predicates ("be gone", "disappear"): requests only under a directive ("make sure …"). */
export const STATE_CHANGE = merged([], (l) => l.stateChange);
/** Directive words governing a state-change predicate ("ensure", "make", "need", "want"). */
export const DIRECTIVES = merged([], (l) => l.directives);
/** Subordinating words that end an action's noun phrase ("add a finalizer so the namespace …", "que"). */
export const SUBORDINATORS = merged(CORE_SUBORDINATORS, (l) => l.subordinators);
/** Separable verbs: "verb particle" → action (German "Fahre den Server herunter"). */
export const SEPARABLE: Readonly<Record<string, string>> = Object.assign(
  {},
  ...LANGUAGES.map((l) => l.separable),
);
/** Words after an action that negate it (Japanese しないで). */
export const POST_NEGATIONS = merged([], (l) => l.postNegations);
/** Words that make a sentence about an operation, not a request to perform it ("forbid", "test"). */
export const ABOUT = merged([], (l) => l.about);
/** Words making a quotation beside them material to work on ("translate '…'", "the button 「…」"). */
export const CONTENT_WORDS = merged(CONTENT_VERBS, (l) => l.contentWords);
/** Third-person subject pronouns: an action right after one is described, not requested. */
export const SUBJECT_PRONOUNS = merged([], (l) => l.subjectPronouns);
/** Negation particles that pair with another negation word instead of cancelling it (French "ne"). */
export const NEGATION_PARTICLES = merged([], (l) => l.negationParticles);
/** Sentence-final words making a question a polite request (Japanese してもらえますか). */
export const REQUEST_CLOSERS = merged([], (l) => l.requestClosers);
/** "Do it": carry out what the previous question described. */
export const DO_IT = merged([], (l) => l.doIt);
/** Phrases asking to act on content the agent read ("do what the document says"). */
export const ACT_ON_DATA = merged([], (l) => l.actOnData);
/** Adverbs that turn taking something down into deleting it. */
export const PERMANENT = merged([], (l) => l.permanent);
/** Nouns that, right after an object word, are the real head of the noun phrase ("node process"). */
export const HEAD_NOUNS = merged([], (l) => l.headNouns);
/** Report markers: words that make a clause a report of the past ("was", "yesterday", 被). */
export const REPORT_MARKERS = merged([], (l) => l.report);
/** Past participles that report unless a modal precedes (German "gelöscht"). */
export const PAST_PARTICIPLES = merged([], (l) => l.pastParticiples);
/** Endings of simple past forms ("-ed", "eliminó", "apagou"): a report unless wanted done. */
export const PAST_ENDINGS = merged(['ed'], (l) => l.pastEndings);
/** Particles after a verb reporting it done (Chinese 了): a report unless a backward marker asks. */
export const PERFECTIVE = merged([], (l) => l.perfective);
/** Passive auxiliaries: an action right after one takes the object before it ("should be dropped"). */
export const PASSIVE_AUXILIARIES = merged(['be'], (l) => l.passiveAuxiliaries);
/** Linkers between a modifier and its head noun (Chinese 的, Japanese の). */
export const LINKERS = merged([], (l) => l.linkers);
/** Auxiliaries and particles skipped after a verb-final action. */
export const TRAILING = merged([], (l) => l.trailing);
/** Markers after which the object precedes the verb (Chinese 把). */
export const BACKWARD_MARKERS = merged([], (l) => l.backwardMarkers);
/** Action phrase → the only objects it applies to ("format" formats volumes, not strings). */
export const ACTION_RESTRICTIONS: Readonly<Record<string, readonly string[]>> = Object.assign(
  {},
  ...LANGUAGES.map((l) => l.restrict),
);
/** Words of languages written without spaces, matched longest-first before ICU segmentation. */
export const CJK_WORDS: readonly string[] = LANGUAGES.filter((l) => l.script === 'cjk').flatMap((l) => [
  ...Object.values(l.actions).flat(),
  ...Object.values(l.objects).flat(),
  ...Object.keys(l.restrict),
  ...LISTS_OF(l),
]);
function LISTS_OF(l: Language): string[] {
  return [
    ...l.negations,
    ...l.negationCancellers,
    ...l.modals,
    ...l.postNegations,
    ...l.about,
    ...l.interrogatives,
    ...l.requestOpeners,
    ...l.requestClosers,
    ...l.doIt,
    ...l.actOnData,
    ...l.permanent,
    ...l.headNouns,
    ...l.contentWords,
    ...l.report,
    ...l.trailing,
    ...l.passiveAuxiliaries,
    ...l.linkers,
    ...l.backwardMarkers,
    ...l.conditionals,
    ...l.stopwords,
    ...l.subordinators,
    ...l.prepositions,
    ...l.coordinators,
  ];
}
/** Compound rules (German): known heads that may close a longer word. */
export const COMPOUNDS = LANGUAGES.flatMap((l) =>
  l.compounds
    ? [
        {
          ...l.compounds,
          heads: [
            ...l.compounds.heads,
            ...Object.values(l.objects)
              .flat()
              .filter((w) => !w.includes(' ') && w.length >= 4),
          ],
        },
      ]
    : [],
);

/**
 * The object hierarchy: object → the object that contains it. A policy naming an object also
 * matches its descendants that were once folded into it (see docs/intents.md); row and column
 * are narrower still and stay separate, as they always were.
 */
export const OBJECT_PARENTS: Readonly<Record<string, string>> = {
  table: 'schema',
  schema: 'database',
  database: 'cluster',
  row: 'table',
  column: 'table',
  pod: 'namespace',
  deployment: 'namespace',
  secret: 'namespace',
  namespace: 'cluster',
  node: 'cluster',
  volume: 'node',
  file: 'volume',
  backup: 'infrastructure',
  bucket: 'infrastructure',
  cluster: 'infrastructure',
};
