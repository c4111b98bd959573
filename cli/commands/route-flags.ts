// The route-policy flags `semamesh up` and `semamesh waypoint` share: which routes on a governed LLM
// host are forwarded uninspected, and which hosts are governed (unknown routes refused there).
import { InvalidArgumentError, Option } from 'commander';
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

/** --passthrough, --no-default-passthrough and --governed-host (parsed into RouteFlags). */
export function routeFlagOptions(): [Option, Option, Option] {
  return [
    new Option(
      '--passthrough <route>',
      'forward this route uninspected on governed LLM hosts, "METHOD /path" (* = one segment; repeatable; added to the defaults)',
    ).argParser(collectChecked((v) => ({ passthrough: [v] }))),
    new Option(
      '--no-default-passthrough',
      'drop the default passthrough list (model listing, file and batch metadata): refuse every route not understood',
    ),
    new Option(
      '--governed-host <host>',
      'another LLM API host where routes not understood are refused, e.g. llm.internal or *.example.com (repeatable)',
    ).argParser(collectChecked((v) => ({ governedHost: [v] }))),
  ];
}
