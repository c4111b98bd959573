// `semamesh doctor`: says whether this host can run eBPF interception and what is missing.
import type { Command } from 'commander';
import { runDoctor } from '../../bpf/src/index.js';
import { emit, outputOption } from '../output.js';

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check kernel, BTF, cgroup2, bpffs, privileges and the libbpf addon for eBPF interception')
    .addOption(outputOption(['json', 'yaml']))
    .action((opts: { output: string }) => {
      const report = runDoctor();
      emit(opts.output, report, {
        text: () => {
          const width = Math.max(...report.checks.map((c) => c.name.length));
          const lines = report.checks.map((c) => `[${MARK[c.status]}] ${c.name.padEnd(width)}  ${c.detail}`);
          return `${lines.join('\n')}\n\n${report.verdict}`;
        },
      });
      // Not ready is a diagnosis, not a crash; exit 1 lets scripts branch on it.
      if (!report.ready) process.exitCode = 1;
    });
}
