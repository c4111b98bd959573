// Loads policy sources from files and directories the way `opa build` / `opa test` do: every
// `.rego` module, and data files placed in the data document by directory (any .json/.yaml/.yml
// file, as opa's loader does; in a bundle directory only data.json / data.yaml, as in a bundle).
// Like opa, nothing is skipped by name: hidden files and folders, `.git` and `node_modules` load
// too unless `--ignore` leaves them out; a bundle directory's data path drops the leading dots of
// its first folder (`.hid/data.json` is `data.hid`), as opa's bundle reader does.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { SourceFile } from './compiler.js';

export interface PolicyFiles {
  modules: SourceFile[];
  /** Data files merged by directory: `x/y/data.json` under a given root lands at `data.x.y`. */
  data: Record<string, unknown>;
  /** The data files read (set by loadPolicyFiles): a file holding `{}` was loaded though it adds nothing. */
  dataFiles?: string[];
}

const BUNDLE_DATA_FILE = /^data\.(json|ya?ml)$/;
const DATA_FILE = /\.(json|ya?ml)$/;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Merges objects recursively; a non-object overlap is an error naming the file. */
function merge(into: Record<string, unknown>, value: Record<string, unknown>, file: string): void {
  for (const [k, v] of Object.entries(value)) {
    const old = Object.hasOwn(into, k) ? into[k] : undefined;
    if (old === undefined)
      Object.defineProperty(into, k, { value: v, enumerable: true, writable: true, configurable: true });
    else if (isRecord(old) && isRecord(v)) merge(old, v, file);
    else throw new Error(`${file}: data key ${JSON.stringify(k)} conflicts with data from another file`);
  }
}

export function readDataFile(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new Error(
      `${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
    );
  }
}

/** Places a data document at `prefix` (directory segments) in `data`. */
export function addData(data: Record<string, unknown>, prefix: string[], value: unknown, file: string): void {
  const wrapped = prefix.reduceRight<unknown>((acc, seg) => ({ [seg]: acc }), value);
  if (!isRecord(wrapped)) throw new Error(`${file}: data at the root must be an object`);
  merge(data, wrapped, file);
}

export interface LoadOptions {
  /**
   * File and directory names to leave out, as shell globs over the base name (`*_test.rego`, `.*`),
   * like `opa test --ignore`.
   */
  ignore?: string[];
  /**
   * Load directories as bundles (`opa test -b`): a root's `.manifest` sets the Rego version of its
   * modules (`rego_version`, `file_rego_versions`). Without it, as in opa, `.manifest` is ignored.
   */
  bundle?: boolean;
}

/** A shell glob over one path segment (`*`, `?`, `[abc]`) as a regular expression. */
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function walk(dir: string, out: string[], ignored: (name: string) => boolean): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (ignored(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out, ignored);
    else out.push(path);
  }
  return out;
}

/**
 * The Rego version of each module under a directory with an OPA `.manifest`: `file_rego_versions`
 * (globs over `/`-rooted paths) first, then `rego_version`; undefined where neither says.
 */
function manifestVersions(root: string): (path: string) => 0 | 1 | undefined {
  const file = join(root, '.manifest');
  if (!existsSync(file)) return () => undefined;
  let m: { rego_version?: unknown; file_rego_versions?: Record<string, unknown> };
  try {
    m = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  const version = (v: unknown, what: string): 0 | 1 => {
    if (v === 0 || v === 1) return v;
    throw new Error(`${file}: ${what} must be 0 or 1`);
  };
  const byFile = Object.entries(m.file_rego_versions ?? {}).map(
    ([glob, v]) =>
      [
        globRegExp(glob.startsWith('/') ? glob : `/${glob}`),
        version(v, `file_rego_versions[${glob}]`),
      ] as const,
  );
  const all = m.rego_version === undefined ? undefined : version(m.rego_version, 'rego_version');
  return (path) => byFile.find(([re]) => re.test(path))?.[1] ?? all;
}

/** The data path of a data file's folder; a bundle's drops the leading dots of the first folder. */
function dataDir(segments: string[], bundle = false): string[] {
  if (!bundle) return segments;
  return segments
    .join('/')
    .replace(/^[./]+/, '')
    .split('/')
    .filter((s) => s !== '');
}

/** Reads `.rego` files and data files from files and directories, the way `opa build` loads paths. */
export function loadPolicyFiles(paths: string[], options: LoadOptions = {}): PolicyFiles {
  const files: PolicyFiles = { modules: [], data: {}, dataFiles: [] };
  const patterns = (options.ignore ?? []).map(globRegExp);
  const ignored = (name: string) => patterns.some((p) => p.test(name));
  for (const root of paths) {
    const isDir = statSync(root).isDirectory();
    const versionOf = isDir && options.bundle ? manifestVersions(root) : () => undefined;
    for (const path of isDir ? walk(root, [], ignored) : [root]) {
      const name = path
        .split(sep)
        .join('/')
        .replace(/^(\.\/)+/, '');
      const base = name.slice(name.lastIndexOf('/') + 1);
      if (name.endsWith('.rego')) {
        const regoVersion = versionOf(`/${relative(root, path).split(sep).join('/')}`);
        files.modules.push({
          file: name,
          source: readFileSync(path, 'utf8'),
          ...(regoVersion === undefined ? {} : { regoVersion }),
        });
      } else if ((options.bundle ? BUNDLE_DATA_FILE : DATA_FILE).test(base)) {
        const dir = isDir ? dataDir(relative(root, path).split(sep).slice(0, -1), options.bundle) : [];
        addData(files.data, dir, readDataFile(path), name);
        files.dataFiles?.push(name);
      } else if (!isDir) throw new Error(`${path}: not a .rego, .json or .yaml file`);
    }
  }
  return files;
}
