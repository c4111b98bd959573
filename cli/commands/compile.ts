// `semamesh compile <paths> -o bundle.tar.gz`: SemaPolicy/SemaQuota manifests → an OPA bundle with policy.wasm.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { SemaPolicy, SemaQuota } from '../../api/index.js';
import { formatDiagnostic as formatApiDiagnostic, validatePaths } from '../../api/index.js';
import { progress } from '../progress.js';

interface CompileOptions {
  output: string;
  revision: string;
  /** Only errors and the final line. */
  quiet?: boolean;
  /** One line per compiled rule. */
  verbose?: boolean;
}

export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description('compile SemaPolicy and SemaQuota manifests into an OPA bundle (policy.wasm + data.json)')
    .argument('<paths...>', 'YAML files, or directories searched for .yaml/.yml files')
    .option('-o, --output <file>', 'bundle file to write', 'bundle.tar.gz')
    .option('--revision <rev>', 'revision recorded in the bundle manifest', '')
    .option('-q, --quiet', 'print only errors')
    .option('-v, --verbose', 'list every compiled rule')
    .action(async (paths: string[], opts: CompileOptions) => {
      const bar = progress();
      bar.update(`validating ${paths.join(' ')}…`);
      const summary = await validatePaths(paths);
      bar.update(`compiling ${summary.resources} resources from ${summary.files} files…`);
      for (const d of summary.diagnostics) if (d.severity === 'error') console.error(formatApiDiagnostic(d));
      if (summary.errors > 0) {
        bar.done();
        process.exitCode = 1;
        return;
      }
      const policies = summary.objects
        .filter((d) => d.kind === 'SemaPolicy')
        .map((d) => d.object as SemaPolicy);
      const quotas = summary.objects.filter((d) => d.kind === 'SemaQuota').map((d) => d.object as SemaQuota);
      const engine = await import('../../engine/index.js');
      const started = performance.now();
      const result = engine.compileResources({ policies, quotas }, { revision: opts.revision });
      bar.done();
      for (const d of result.diagnostics) console.error(engine.formatDiagnostic(d));
      if (!result.bundle) {
        process.exitCode = 1;
        return;
      }
      writeFileSync(opts.output, result.bundle);
      if (opts.quiet) return;
      const s = result.summary;
      console.log(
        `compiled ${s.policies} SemaPolic${s.policies === 1 ? 'y' : 'ies'} (${s.rules} rules, ${s.intents} intents, ` +
          `${s.customModules} custom Rego modules) and ${s.quotas} SemaQuota${s.quotas === 1 ? '' : 's'} ` +
          `in ${Math.round(performance.now() - started)} ms`,
      );
      if (opts.verbose)
        for (const [id, p] of Object.entries(result.data.semamesh.policies))
          for (const r of p.rules)
            console.log(
              `  ${id} ${r.name}: ${r.action}${p.enforcement === 'dryrun' ? ' (dry run)' : ''} on ${r.intents.join(', ') || 'tool/text matches'}`,
            );
      console.log(
        `wrote ${opts.output} (entrypoint ${engine.DECISION_ENTRYPOINT}, policy.wasm ${result.wasm?.length ?? 0} bytes)`,
      );
    });
}
