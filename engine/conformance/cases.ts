// Loads OPA's conformance cases (YAML files grouped by topic) into plain objects with a stable,
// unique id per case, the key of the exceptions file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** One case as written in the suite (field names as in OPA's `cases.go`). */
export interface RawCase {
  note: string;
  query: string;
  modules?: string[];
  data?: Record<string, unknown>;
  input?: unknown;
  input_term?: string;
  want_defined?: boolean;
  want_result?: Record<string, unknown>[];
  want_error_code?: string;
  want_error?: string;
  sort_bindings?: boolean;
  ignore_generated_vars?: boolean;
  strict_error?: boolean;
  /** Environment variables OPA's runner sets while the case runs (`opa.runtime().env`). */
  env?: Record<string, string>;
}

export interface ConformanceCase extends RawCase {
  /** `note`, or `note#2`, `note#3`, … for later cases sharing a note (the suite has duplicates). */
  id: string;
  /** The topic directory, e.g. `aggregates`. */
  topic: string;
  /** The YAML file, relative to the suite root. */
  file: string;
  /** Whether the case set `input` explicitly (a `null` input is still an input). */
  hasInput: boolean;
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yamlFiles(path, out);
    else if (name.endsWith('.yaml') || name.endsWith('.yml')) out.push(path);
  }
  return out;
}

/** Reads every case under `root` in a fixed order (sorted paths, then file order), so ids are stable. */
export function loadCases(root: string): ConformanceCase[] {
  const seen = new Map<string, number>();
  const cases: ConformanceCase[] = [];
  for (const path of yamlFiles(root)) {
    const file = relative(root, path).split(sep).join('/');
    const doc = parseYaml(readFileSync(path, 'utf8')) as { cases?: RawCase[] } | null;
    for (const raw of doc?.cases ?? []) {
      const n = (seen.get(raw.note) ?? 0) + 1;
      seen.set(raw.note, n);
      cases.push({
        ...raw,
        id: n === 1 ? raw.note : `${raw.note}#${n}`,
        topic: file.includes('/') ? file.slice(0, file.indexOf('/')) : '(root)',
        file,
        hasInput: Object.hasOwn(raw, 'input'),
      });
    }
  }
  return cases;
}

/**
 * Reads OPA's wasm-only suite (`v1/test/wasm/assets/*.yaml`): flat files of the same case shape,
 * judged by test.js. Notes repeat across files, so the topic is the file name and the id
 * `<file>/<note>` (`#n` for repeats within a file), as test.js names cases by file and note.
 */
export function loadWasmCases(root: string): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const name of readdirSync(root).sort()) {
    if (!name.endsWith('.yaml')) continue;
    const topic = name.slice(0, -'.yaml'.length);
    const seen = new Map<string, number>();
    const doc = parseYaml(readFileSync(join(root, name), 'utf8')) as { cases?: RawCase[] } | null;
    for (const raw of doc?.cases ?? []) {
      const n = (seen.get(raw.note) ?? 0) + 1;
      seen.set(raw.note, n);
      const id = `${topic}/${raw.note}`;
      cases.push({
        ...raw,
        id: n === 1 ? id : `${id}#${n}`,
        topic,
        file: name,
        hasInput: Object.hasOwn(raw, 'input'),
      });
    }
  }
  return cases;
}

/** Keeps the cases whose topic or id matches `pattern` (a regular expression). */
export function filterCases(cases: ConformanceCase[], pattern: string | undefined): ConformanceCase[] {
  if (!pattern) return cases;
  const re = new RegExp(pattern);
  return cases.filter((c) => re.test(c.topic) || re.test(c.id));
}
