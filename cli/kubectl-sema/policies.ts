// `kubectl sema policies`: SemaPolicies with whether they compiled (READY), their rule count and
// the condition message, so a broken policy shows its diagnostic without `kubectl describe`.
import type { Command } from 'commander';
import { type KubeObject, SEMAMESH_KINDS } from '../../controller/index.js';
import { type Io, session } from './context.js';
import { age, firstLine, outputFormat, structured, table } from './format.js';

interface PolicyStatus {
  rules?: number;
  compiledRevision?: string;
  observedGeneration?: number;
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

export function registerPolicyCommands(program: Command, io: Io): void {
  program
    .command('policies')
    .alias('pol')
    .description('list SemaPolicies: READY, RULES, AGE, MESSAGE')
    .option('-o, --output <format>', 'json, yaml, wide, name or jsonpath=<template>')
    .action(async (opts: { output?: string }, cmd: Command) => {
      const format = outputFormat(opts.output);
      const s = session(cmd);
      const items = await s.client.list<KubeObject>(
        SEMAMESH_KINDS.SemaPolicy,
        s.namespace ? { namespace: s.namespace } : {},
      );
      items.sort((a, b) =>
        `${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}` ? -1 : 1,
      );
      const text = structured(items, opts.output, 'semapolicy');
      if (text !== undefined) return io.out(text);
      if (items.length === 0)
        return io.err(
          s.namespace ? `No policies found in ${s.namespace} namespace.\n` : 'No policies found.\n',
        );
      const all = s.namespace === undefined;
      const wide = format === 'wide';
      const rows = items.map((p) => {
        const st = (p.status ?? {}) as PolicyStatus;
        const ready = st.conditions?.find((c) => c.type === 'Ready');
        const stale = st.observedGeneration !== undefined && st.observedGeneration !== p.metadata.generation;
        const spec = p.spec as { rules?: unknown[] };
        return [
          ...(all ? [p.metadata.namespace ?? ''] : []),
          p.metadata.name,
          ready ? (stale ? `${ready.status} (stale)` : ready.status) : 'Unknown',
          String(st.rules ?? spec.rules?.length ?? 0),
          age(p.metadata.creationTimestamp),
          ...(wide ? [st.compiledRevision ?? ''] : []),
          firstLine(ready?.message ?? 'not reconciled yet', wide ? 400 : 80),
        ];
      });
      const headers = [
        ...(all ? ['NAMESPACE'] : []),
        'NAME',
        'READY',
        'RULES',
        'AGE',
        ...(wide ? ['REVISION'] : []),
        'MESSAGE',
      ];
      io.out(table(headers, rows));
    });
}
