// The request target, parsed once: origin-form or absolute-form in, one canonical path + query out,
// so the path the waypoint classifies is exactly the path it forwards (providers normalise
// `/v1/chat/%63ompletions/` back to chat completions; so must we, or a spelling walks around checks).
import { configInvalid, requestInvalid } from './errors.js';

export interface CanonicalTarget {
  /** Canonical path: unreserved escapes decoded, dot segments removed, no duplicate or trailing `/`. */
  path: string;
  /** The query as sent, with its leading `?` ('' when there is none). */
  query: string;
  /** The authority of an absolute-form target (`http://api.openai.com/…`), lower-cased. */
  authority: string | undefined;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;
const ABSOLUTE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is;

/** Decodes `%XX` escapes of unreserved characters and upper-cases the others (RFC 3986 §6.2.2). */
function normaliseEscapes(path: string): string {
  if (!path.includes('%')) return path;
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!/^[0-9a-f]{2}$/i.test(hex)) throw requestInvalid(`malformed percent-escape in the request path`);
    const ch = String.fromCharCode(Number.parseInt(hex, 16));
    out += UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return out;
}

/** A path with an empty, `.` or `..` segment, a trailing slash after a segment, or no leading slash. */
const DOT_OR_EMPTY = /\/\/|\/\.\.?(?:\/|$)|.\/$|^(?!\/)/;

/** RFC 3986 §5.2.4 on segments, plus: empty segments (duplicate and trailing slashes) dropped. */
function removeDotSegments(path: string): string {
  // Most targets have nothing to remove: no empty, `.` or `..` segment and no trailing slash.
  if (!DOT_OR_EMPTY.test(path)) return path;
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}

/**
 * Parses a request target. Throws a coded 400 for targets no provider would accept (asterisk-form,
 * authority-form, control characters, a backslash some servers read as a slash, bad escapes).
 */
export function canonicalTarget(raw: string): CanonicalTarget {
  let rest = raw;
  let authority: string | undefined;
  const abs = ABSOLUTE.exec(raw);
  if (abs) {
    const scheme = abs[1].toLowerCase();
    if (scheme !== 'http' && scheme !== 'https') throw requestInvalid(`unsupported request target scheme`);
    authority = abs[2].toLowerCase();
    rest = abs[3] === '' ? '/' : abs[3];
  }
  if (!rest.startsWith('/')) throw requestInvalid('the request target must be a path or an absolute URL');
  if (/[\u0000-\u0020\u007f\\]/.test(rest))
    throw requestInvalid('the request target has forbidden characters');
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const rawPath = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q);
  return { path: removeDotSegments(normaliseEscapes(rawPath)), query, authority };
}

/** A passthrough entry: `METHOD /path`, where a `*` segment matches exactly one path segment. */
export interface PassthroughRule {
  method: string;
  segments: string[];
}

/**
 * Routes on a governed LLM host that carry nothing a model reads or an agent executes, forwarded
 * without inspection; everything else the waypoint does not understand there is refused.
 */
export const DEFAULT_PASSTHROUGH: readonly string[] = [
  'GET /v1/models',
  'GET /v1/models/*',
  'GET /v1/files',
  'GET /v1/files/*',
  'GET /v1/batches',
  'GET /v1/batches/*',
];

export function parsePassthrough(entries: readonly string[]): PassthroughRule[] {
  return entries.map((e) => {
    const m = /^([A-Z]+)\s+(\/\S*)$/.exec(e.trim());
    if (!m) throw configInvalid(`passthrough entry ${JSON.stringify(e)} must read "METHOD /path"`);
    return { method: m[1], segments: m[2].split('/').filter(Boolean) };
  });
}

export function isPassthrough(rules: readonly PassthroughRule[], method: string, path: string): boolean {
  const segs = path.split('/').filter(Boolean);
  return rules.some(
    (r) =>
      r.method === method &&
      r.segments.length === segs.length &&
      r.segments.every((s, i) => s === '*' || s === segs[i]),
  );
}

/** The route policy given on the command line (`--passthrough`, `--no-default-passthrough`, `--governed-host`). */
export interface RouteFlags {
  /** Extra passthrough entries, `METHOD /path`. */
  passthrough?: readonly string[];
  /** false drops DEFAULT_PASSTHROUGH: every route the waypoint does not understand is refused. */
  defaultPassthrough?: boolean;
  /** Extra governed LLM hosts (`*.` = any subdomain). */
  governedHost?: readonly string[];
}

/** The router's passthrough list and governed hosts for a set of route flags (defaults plus extras). */
export function routePolicy(flags: RouteFlags): { passthrough: string[]; governedHosts: string[] } {
  const passthrough = [
    ...(flags.defaultPassthrough === false ? [] : DEFAULT_PASSTHROUGH),
    ...(flags.passthrough ?? []),
  ];
  parsePassthrough(passthrough);
  const governedHosts = [...DEFAULT_GOVERNED_HOSTS, ...(flags.governedHost ?? [])];
  for (const h of governedHosts)
    if (!/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(h))
      throw configInvalid(`governed host ${JSON.stringify(h)} must be a host name, optionally "*.domain"`);
  return { passthrough, governedHosts };
}

/** Hosts of LLM APIs: on these, a route the waypoint does not understand is refused (deny by default). */
export const DEFAULT_GOVERNED_HOSTS: readonly string[] = [
  'api.openai.com',
  'api.anthropic.com',
  '*.openai.azure.com',
  'generativelanguage.googleapis.com',
  'api.mistral.ai',
  'api.groq.com',
  'api.deepseek.com',
  'api.together.xyz',
  'api.x.ai',
  'openrouter.ai',
];

/** Whether `host` (with or without a port) matches one of `patterns` (`*.` = any subdomain). */
export function hostMatches(patterns: readonly string[], host: string | undefined): boolean {
  if (!host) return false;
  const h = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  return patterns.some((p) => (p.startsWith('*.') ? h.endsWith(p.slice(1)) : h === p));
}
