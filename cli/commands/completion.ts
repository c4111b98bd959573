// `semamesh completion bash|zsh|fish`: prints a shell completion script generated from the command
// tree itself (commands, subcommands and their flags), so it never drifts from the CLI.
import { type Command, InvalidArgumentError } from 'commander';

interface Node {
  path: string[];
  commands: string[];
  flags: string[];
}

function walk(cmd: Command, path: string[] = []): Node[] {
  const flags = cmd.options.flatMap((o) => [o.short, o.long].filter((f): f is string => Boolean(f)));
  const subs = cmd.commands.filter((c) => c.name() !== 'help');
  const node: Node = {
    path,
    commands: subs.flatMap((c) => [c.name(), ...c.aliases()]),
    flags: [...flags, '--help'],
  };
  return [node, ...subs.flatMap((c) => walk(c, [...path, c.name()]))];
}

const words = (list: string[]) => list.join(' ');

function bash(name: string, nodes: Node[]): string {
  const cases = nodes
    .map((n) => `    "${n.path.join(' ')}") opts="${words([...n.commands, ...n.flags])}" ;;`)
    .join('\n');
  const fn = `_${name.replace(/[^a-zA-Z0-9]/g, '_')}_complete`;
  return `# bash completion for ${name}; load with: source <(${name} completion bash)
${fn}() {
  local cur path word i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    case "\${path:+$path }$word" in
${nodes
  .filter((n) => n.path.length > 0)
  .map((n) => `      "${n.path.join(' ')}") path="${n.path.join(' ')}" ;;`)
  .join('\n')}
    esac
  done
  local opts=""
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -F ${fn} ${name}
`;
}

/** zsh runs the bash function through bashcompinit: one generator, two shells. */
function zsh(name: string, nodes: Node[]): string {
  const body = bash(name, nodes).replace(/^# bash completion.*\n/, '');
  return `#compdef ${name}
# zsh completion for ${name}; load with: source <(${name} completion zsh)
autoload -U +X bashcompinit && bashcompinit
${body}`;
}

function fish(name: string, nodes: Node[]): string {
  const lines = [`# fish completion for ${name}; load with: ${name} completion fish | source`];
  lines.push(`complete -c ${name} -f`);
  for (const n of nodes) {
    const cond =
      n.path.length === 0
        ? `__fish_use_subcommand`
        : `__fish_seen_subcommand_from ${n.path[n.path.length - 1]}`;
    for (const c of n.commands) lines.push(`complete -c ${name} -n '${cond}' -a ${c}`);
    for (const f of n.flags)
      lines.push(
        f.startsWith('--')
          ? `complete -c ${name} -n '${cond}' -l ${f.slice(2)}`
          : `complete -c ${name} -n '${cond}' -s ${f.slice(1)}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

const SHELLS = { bash, zsh, fish } as const;

/** The completion script of `program` for `shell`. */
export function completionScript(program: Command, shell: string): string {
  const gen = SHELLS[shell as keyof typeof SHELLS];
  if (!gen) throw new InvalidArgumentError(`unknown shell "${shell}" (use bash, zsh or fish)`);
  return gen(program.name(), walk(program));
}

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script: bash, zsh or fish')
    .argument('<shell>', 'bash, zsh or fish', (v) => {
      if (!(v in SHELLS)) throw new InvalidArgumentError('use bash, zsh or fish');
      return v;
    })
    .action((shell: string) => {
      process.stdout.write(completionScript(program, shell));
    });
}
