// `kubectl sema list | show | approve | terminate`: the SemaIncidents of paused agents, and the
// human decision that thaws (approve) or ends (terminate) them.
import type { Command } from 'commander';
import {
  approveIncident,
  INCIDENT_KIND,
  type IncidentObject,
  phaseOf,
  terminateIncident,
} from '../../controller/index.js';
import { authenticatedUser, findNamed, type Io, session } from './context.js';
import { age, firstLine, outputFormat, structured, table } from './format.js';

const ruleOf = (i: IncidentObject) => `${i.spec.policy}/${i.spec.rule}`;
const agentOf = (i: IncidentObject) => `${i.spec.agent.namespace}/${i.spec.agent.pod}`;

function listTable(items: IncidentObject[], allNamespaces: boolean, wide: boolean): string {
  const headers = [...(allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'AGE', 'AGENT', 'RULE', 'STATE'];
  if (wide) headers.push('CHECKPOINT', 'DECIDED-BY');
  const rows = items.map((i) => [
    ...(allNamespaces ? [i.metadata.namespace ?? ''] : []),
    i.metadata.name,
    age(i.spec.detectedAt ?? i.metadata.creationTimestamp),
    agentOf(i),
    ruleOf(i),
    phaseOf(i),
    ...(wide
      ? [i.status?.checkpoint?.path ?? i.status?.checkpoint?.method ?? '', i.status?.decidedBy ?? '']
      : []),
  ]);
  return table(headers, rows);
}

function details(i: IncidentObject): string {
  const c = i.status?.checkpoint;
  const lines: [string, string | undefined][] = [
    ['Name', i.metadata.name],
    ['Namespace', i.metadata.namespace],
    ['State', phaseOf(i)],
    ['Agent', agentOf(i)],
    ['Service account', i.spec.agent.serviceAccount],
    ['Container', i.spec.agent.container],
    ['Cgroup', i.spec.agent.cgroup],
    ['Policy', i.spec.policy],
    ['Rule', i.spec.rule],
    ['Action', i.spec.action],
    ['Reason', i.spec.reason],
    ['Detected', `${i.spec.detectedAt} (${age(i.spec.detectedAt)} ago)`],
    ['Request digest', `sha256:${i.spec.requestDigest}`],
    ['Checkpoint', c ? (c.method ?? 'none') : 'not yet taken'],
    ['  Path', c?.path],
    ['  Error', c?.error],
    ['Decided by', i.status?.decidedBy],
    ['Decided at', i.status?.decidedAt],
  ];
  const width = Math.max(...lines.map(([k]) => k.length)) + 2;
  let out = lines
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`)
    .join('\n');
  const conds = i.status?.conditions ?? [];
  if (conds.length > 0)
    out += `\nConditions:\n${table(
      ['  TYPE', 'STATUS', 'REASON', 'MESSAGE'],
      conds.map((k) => [`  ${k.type}`, k.status, k.reason, firstLine(k.message, 100)]),
    ).trimEnd()}`;
  if (phaseOf(i) === 'Paused' || phaseOf(i) === 'Pending')
    out += `\n\nDecide with: kubectl sema approve ${i.metadata.name} -n ${i.metadata.namespace}   |   kubectl sema terminate ${i.metadata.name} -n ${i.metadata.namespace}`;
  return `${out}\n`;
}

export function registerIncidentCommands(program: Command, io: Io): void {
  program
    .command('list')
    .alias('ls')
    .description('list SemaIncidents (paused or blocked agents)')
    .option('-o, --output <format>', 'json, yaml, wide, name or jsonpath=<template>')
    .option('--state <phase>', 'only incidents in this state (Pending, Paused, Approved, Terminated, Failed)')
    .action(async (opts: { output?: string; state?: string }, cmd: Command) => {
      const format = outputFormat(opts.output);
      const s = session(cmd);
      let items = await s.client.list<IncidentObject>(
        INCIDENT_KIND,
        s.namespace ? { namespace: s.namespace } : {},
      );
      if (opts.state) items = items.filter((i) => phaseOf(i).toLowerCase() === opts.state?.toLowerCase());
      items.sort((a, b) =>
        a.spec.detectedAt < b.spec.detectedAt ? 1 : a.spec.detectedAt > b.spec.detectedAt ? -1 : 0,
      );
      const text = structured(items, opts.output, 'semaincident');
      if (text !== undefined) return io.out(text);
      if (items.length === 0)
        return io.err(
          s.namespace ? `No incidents found in ${s.namespace} namespace.\n` : 'No incidents found.\n',
        );
      io.out(listTable(items, s.namespace === undefined, format === 'wide'));
    });

  program
    .command('show <incident>')
    .alias('describe')
    .description('show an incident: the agent, the rule, the evidence and the decision')
    .option('-o, --output <format>', 'json, yaml, name or jsonpath=<template>')
    .action(async (name: string, opts: { output?: string }, cmd: Command) => {
      outputFormat(opts.output);
      const s = session(cmd);
      const i = await findNamed<IncidentObject>(s, INCIDENT_KIND, 'semaincident', name);
      io.out(structured(i, opts.output, 'semaincident') ?? details(i));
    });

  program
    .command('approve <incident>')
    .description('let the paused agent continue: thaw it and record who approved')
    .option('-o, --output <format>', 'json, yaml, name or jsonpath=<template>')
    .action(async (name: string, opts: { output?: string }, cmd: Command) => {
      outputFormat(opts.output);
      const s = session(cmd);
      const found = await findNamed<IncidentObject>(s, INCIDENT_KIND, 'semaincident', name);
      const by = await authenticatedUser(s);
      const i = await approveIncident(s.client, found.metadata.namespace ?? '', name, by);
      const text = structured(i, opts.output, 'semaincident');
      if (text !== undefined) return io.out(text);
      io.out(`semaincident/${name} approved by ${by}: ${agentOf(found)} is being thawed\n`);
    });

  program
    .command('terminate <incident>')
    .description('end the paused agent: delete its pod, keep the incident and its evidence')
    .option('-o, --output <format>', 'json, yaml, name or jsonpath=<template>')
    .action(async (name: string, opts: { output?: string }, cmd: Command) => {
      outputFormat(opts.output);
      const s = session(cmd);
      const found = await findNamed<IncidentObject>(s, INCIDENT_KIND, 'semaincident', name);
      const by = await authenticatedUser(s);
      const i = await terminateIncident(s.client, found.metadata.namespace ?? '', name, by);
      const text = structured(i, opts.output, 'semaincident');
      if (text !== undefined) return io.out(text);
      const evidence = found.status?.checkpoint?.path
        ? `; evidence kept at ${found.status.checkpoint.path}`
        : '';
      io.out(`semaincident/${name} terminated by ${by}: pod ${agentOf(found)} deleted${evidence}\n`);
    });
}
