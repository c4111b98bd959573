// kubectl's output convention for every command that does not mirror OPA: human text by default,
// `-o json|yaml` documents, `-o wide` for more columns, `-o name` for one name per line. An unknown
// format is an error (commander's choices), never silently ignored.
import { Option } from 'commander';
import { stringify } from 'yaml';

export type OutputFormat = 'text' | 'json' | 'yaml' | 'wide' | 'name';

/** `-o, --output <format>` accepting exactly `formats` (text is the default and needs no flag). */
export function outputOption(formats: readonly Exclude<OutputFormat, 'text'>[]): Option {
  return new Option('-o, --output <format>', `output format: ${formats.join(', ')} (default: text)`)
    .choices(['text', ...formats])
    .default('text');
}

/** Writes `value` in the chosen format; text, wide and name come from the command's own renderers. */
export function emit(
  format: string,
  value: unknown,
  render: { text: () => string; wide?: () => string; name?: () => string[] },
  out: (s: string) => void = (s) => process.stdout.write(s),
): void {
  const line = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);
  if (format === 'json') out(`${JSON.stringify(value, null, 2)}\n`);
  else if (format === 'yaml') out(stringify(value));
  else if (format === 'wide') out(line((render.wide ?? render.text)()));
  else if (format === 'name') out(line((render.name?.() ?? []).join('\n')));
  else out(line(render.text()));
}
