// The `kubectl sema` command tree, built as a function so tests run commands in-process with their
// own output sinks and kubeconfig.
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { describeError, type Io } from './context.js';
import { registerIncidentCommands } from './incidents.js';
import { registerPolicyCommands } from './policies.js';

const stdio: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

export function createKubectlSemaProgram(io: Io = stdio): Command {
  const program = new Command('kubectl-sema')
    .description('Inspect and decide SemaMesh incidents and policies from kubectl.')
    .version(VERSION, '-V, --version')
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <ns>', "namespace (default: the context's)")
    .option('-A, --all-namespaces', 'every namespace')
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  registerIncidentCommands(program, io);
  registerPolicyCommands(program, io);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  return program;
}

/** Runs one command line (`['list', '-A']`); resolves to the exit code, errors printed to `io.err`. */
export async function runKubectlSema(args: string[], io: Io = stdio): Promise<number> {
  const program = createKubectlSemaProgram(io);
  try {
    await program.parseAsync(args, { from: 'user' });
    return 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) return e.exitCode ?? 1;
    io.err(`${describeError(err)}\n`);
    return 1;
  }
}
