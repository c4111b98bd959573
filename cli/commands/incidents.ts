// `semamesh incidents`, `semamesh approve <id>`, `semamesh terminate <id>`: local mode's pause flow
// for agents run with `semamesh exec`, over controller/pause's incident store (a JSON file).
import type { Command } from 'commander';
import {
  approveLocalIncident,
  ControllerError,
  IncidentStore,
  isControllerError,
  type LocalIncident,
  listLocalIncidents,
  nodeCgroups,
  PauseAgent,
  terminateLocalIncident,
} from '../../controller/index.js';
import { age, table } from '../kubectl-sema/format.js';
import { emit, outputOption } from '../output.js';
import { defaultIncidentStore } from './incident-store-path.js';

export { defaultIncidentStore };

const PHASES = ['Pending', 'Paused', 'Approved', 'Terminated', 'Failed'] as const;

const agentOf = (i: LocalIncident) =>
  i.agent.pod
    ? `${i.agent.namespace ?? ''}/${i.agent.pod}`
    : `${i.agent.command ?? 'pid'}${i.agent.pid ? `[${i.agent.pid}]` : ''}`;

function fail(err: unknown): never {
  const text = isControllerError(err)
    ? `${err.message} [${err.code}]`
    : err instanceof Error
      ? err.message
      : String(err);
  throw new Error(`error: ${text}`);
}

/** Who decided: the invoking user (sudo's caller when run through sudo). */
const localUser = () => process.env.SUDO_USER ?? process.env.USER ?? process.env.LOGNAME ?? 'local-user';

// freeze/thaw take absolute cgroup paths from the store; the root only matters for pod lookups.
const pauseAgent = () => new PauseAgent(nodeCgroups('/'));

/** json/yaml documents and names; false when the command prints its own text. */
function print(value: LocalIncident | LocalIncident[], output: string): boolean {
  if (output !== 'json' && output !== 'yaml' && output !== 'name') return false;
  const items = Array.isArray(value) ? value : [value];
  emit(output, value, { text: () => '', name: () => items.map((i) => `incident/${i.id}`) });
  return true;
}

export function registerIncidents(program: Command): void {
  program
    .command('incidents')
    .description('list local incidents (agents paused by a policy under `semamesh exec`)')
    .option('--store <file>', 'incident store', defaultIncidentStore())
    .option('--state <phase>', `only this state (${PHASES.join(', ')})`)
    .addOption(outputOption(['json', 'yaml', 'wide', 'name']))
    .action(async (opts: { store: string; state?: string; output: string }) => {
      const phase = opts.state
        ? PHASES.find((p) => p.toLowerCase() === opts.state?.toLowerCase())
        : undefined;
      if (opts.state && !phase)
        fail(
          new ControllerError(
            'SM_ERR_CONTROLLER_KUBECTL',
            `unknown state ${JSON.stringify(opts.state)} (use ${PHASES.join(', ')})`,
          ),
        );
      const items = await listLocalIncidents(new IncidentStore(opts.store), phase).catch(fail);
      if (print(items, opts.output)) return;
      if (items.length === 0) return void console.error('No incidents.');
      const wide = opts.output === 'wide';
      process.stdout.write(
        table(
          ['ID', 'AGE', 'AGENT', 'RULE', 'STATE', 'CHECKPOINT', ...(wide ? ['REASON', 'DECIDED-BY'] : [])],
          items.map((i) => [
            i.id,
            age(i.detectedAt),
            agentOf(i),
            `${i.policy}/${i.rule}`,
            i.phase,
            i.checkpoint?.path ?? i.checkpoint?.method ?? '',
            ...(wide ? [i.reason.split('\n')[0], i.decidedBy ?? ''] : []),
          ]),
        ),
      );
    });

  program
    .command('approve <id>')
    .description('thaw a paused local agent and let it continue')
    .option('--store <file>', 'incident store', defaultIncidentStore())
    .addOption(outputOption(['json', 'yaml', 'name']))
    .action(async (id: string, opts: { store: string; output: string }) => {
      const i = await approveLocalIncident(
        new IncidentStore(opts.store),
        pauseAgent(),
        id,
        localUser(),
      ).catch(fail);
      if (!print(i, opts.output))
        console.log(`incident ${i.id} approved by ${i.decidedBy}: ${agentOf(i)} thawed`);
    });

  program
    .command('terminate <id>')
    .description('kill a paused local agent (it never runs again) and keep the evidence')
    .option('--store <file>', 'incident store', defaultIncidentStore())
    .addOption(outputOption(['json', 'yaml', 'name']))
    .action(async (id: string, opts: { store: string; output: string }) => {
      const i = await terminateLocalIncident(
        new IncidentStore(opts.store),
        pauseAgent(),
        id,
        localUser(),
      ).catch(fail);
      if (print(i, opts.output)) return;
      const evidence = i.checkpoint?.path ? `; evidence kept at ${i.checkpoint.path}` : '';
      console.log(`incident ${i.id} terminated by ${i.decidedBy}: ${agentOf(i)} killed${evidence}`);
    });
}
