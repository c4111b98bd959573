// The route-policy flags `semamesh up` and `semamesh waypoint` share: which routes on a governed LLM
// host are forwarded uninspected, and which hosts are governed (unknown routes refused there).
import { type Command, InvalidArgumentError } from 'commander';
import { type RouteFlags, routePolicy } from '../../waypoint/index.js';

function collectChecked(check: (v: string) => RouteFlags) {
  return (value: string, prev: string[] = []): string[] => {
    try {
      routePolicy(check(value));
    } catch (err) {
      throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
    }
    return [...prev, value];
  };
}

/** Adds --passthrough, --no-default-passthrough and --governed-host to a command. */
export function addRouteFlags(cmd: Command): Command {
  return cmd
    .option(
      '--passthrough <route>',
      'forward this route uninspected on governed LLM hosts, "METHOD /path" (* = one segment; repeatable; added to the defaults)',
      collectChecked((v) => ({ passthrough: [v] })),
    )
    .option(
      '--no-default-passthrough',
      'drop the default passthrough list (model listing, file and batch metadata): refuse every route not understood',
    )
    .option(
      '--governed-host <host>',
      'another LLM API host where routes not understood are refused, e.g. llm.internal or *.example.com (repeatable)',
      collectChecked((v) => ({ governedHost: [v] })),
    );
}
