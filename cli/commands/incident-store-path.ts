// Where local incidents are recorded by default: a module of its own so that registering
// `semamesh up` or `semamesh exec` options does not load the controller's incident store.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$SEMAMESH_INCIDENTS`, else /var/lib/semamesh (root) or ~/.local/state/semamesh. */
export function defaultIncidentStore(): string {
  if (process.env.SEMAMESH_INCIDENTS) return process.env.SEMAMESH_INCIDENTS;
  if (process.getuid?.() === 0) return '/var/lib/semamesh/incidents.json';
  return join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'semamesh', 'incidents.json');
}
