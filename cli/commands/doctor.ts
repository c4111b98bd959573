// `semamesh doctor`: says whether this host can run eBPF interception and what is missing.
import type { Command } from 'commander';
import { runDoctor } from '../../bpf/src/index.js';

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check kernel, BTF, cgroup2, bpffs, privileges and the libbpf addon for eBPF interception')
    .option('-o, --output <format>', 'text or json', 'text')
    .action((opts: { output: string }) => {
      const report = runDoctor();
      if (opts.output === 'json') {
        console.log(JSON.stringify(report, null, 2));
      } else {
        const width = Math.max(...report.checks.map((c) => c.name.length));
        for (const c of report.checks)
          console.log(`[${MARK[c.status]}] ${c.name.padEnd(width)}  ${c.detail}`);
        console.log(`\n${report.verdict}`);
      }
      // Not ready is a diagnosis, not a crash; exit 1 lets scripts branch on it.
      if (!report.ready) process.exitCode = 1;
    });
}
