// uri.parse and uri.is_valid: Go's net/url.Parse (RFC 3986 with Go's leniencies), which OPA calls.
// Go works on bytes, so the URI is handled as a byte string (one char per UTF-8 byte) and the
// components are decoded back to text at the end. Every error of url.Parse is reproduced, because
// it decides `uri.is_valid` and whether `uri.parse` is defined.
import { fail, str } from './args.js';
import { parseV4, parseV6 } from './net.js';

type Mode = 'path' | 'host' | 'zone' | 'userPassword' | 'fragment';

const isAlnum = (c: string) => /^[A-Za-z0-9]$/.test(c);
const isHex = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);

/** Go's shouldEscape for the modes url.Parse uses (gen_encoding_table.go). */
function shouldEscape(c: string, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  if ((mode === 'host' || mode === 'zone') && `!$&'()*+,;=:[]<>"`.includes(c)) return false;
  if ('-_.~'.includes(c)) return false;
  if ('$&+,/:;=?@'.includes(c)) {
    if (mode === 'path') return c === '?';
    if (mode === 'userPassword') return '@/?:'.includes(c);
    if (mode === 'fragment') return false;
  }
  if (mode === 'fragment' && '!()*'.includes(c)) return false;
  return true;
}

/** Go's unescape: `%XY` checked for every mode, host/zone bytes restricted as Go restricts them. */
function urlUnescape(s: string, mode: Mode): string {
  let out = '';
  for (let i = 0; i < s.length; ) {
    const c = s[i];
    if (c === '%') {
      if (!isHex(s[i + 1]) || !isHex(s[i + 2]))
        fail(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      const triple = s.slice(i, i + 3);
      const v = Number.parseInt(s.slice(i + 1, i + 3), 16);
      if (mode === 'host' && v < 0x80 && triple !== '%25')
        fail(`invalid URL escape ${JSON.stringify(triple)}`);
      if (mode === 'zone' && triple !== '%25' && v !== 0x20 && shouldEscape(String.fromCharCode(v), 'host')) {
        fail(`invalid URL escape ${JSON.stringify(triple)}`);
      }
      out += String.fromCharCode(v);
      i += 3;
      continue;
    }
    if ((mode === 'host' || mode === 'zone') && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) {
      fail(`invalid character ${JSON.stringify(c)} in host name`);
    }
    out += c;
    i++;
  }
  return out;
}

function urlEscape(s: string, mode: Mode): string {
  let out = '';
  for (const c of s) {
    out += shouldEscape(c, mode) ? `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}` : c;
  }
  return out;
}

const validOptionalPort = (port: string) => port === '' || /^:[0-9]*$/.test(port);

function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === ':') {
      if (i === 0) fail('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

/** netip.ParseAddr on a bracketed host: IPv6 (with an optional zone); IPv4 is refused. */
function checkIpLiteral(addr: string): void {
  const pct = addr.indexOf('%');
  const ip = pct < 0 ? addr : addr.slice(0, pct);
  if (pct >= 0 && pct === addr.length - 1) fail('invalid host: zone must be a non-empty string');
  if (parseV6(ip) !== undefined) return;
  if (pct < 0 && parseV4(ip) !== undefined) fail('invalid IP-literal');
  fail(`invalid host: ParseAddr(${JSON.stringify(addr)}): unable to parse IP`);
}

function parseHost(scheme: string, host: string): string {
  const open = host.lastIndexOf('[');
  if (open > 0) fail('invalid IP-literal');
  if (open === 0) {
    const close = host.lastIndexOf(']');
    if (close < 0) fail("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) fail(`invalid port ${JSON.stringify(colonPort)} after host`);
    const port = urlUnescape(colonPort, 'host');
    const name = host.slice(1, close);
    const zone = name.indexOf('%25');
    const unescaped =
      zone >= 0
        ? urlUnescape(name.slice(0, zone), 'host') + urlUnescape(name.slice(zone), 'zone')
        : urlUnescape(name, 'host');
    checkIpLiteral(unescaped);
    return `[${unescaped}]${port}`;
  }
  let i = host.indexOf(':');
  if (i >= 0) {
    // Go 1.26's default (GODEBUG urlstrictcolons=1): http(s) hosts may hold a single colon only.
    if (scheme !== 'http' && scheme !== 'https') i = host.lastIndexOf(':');
    const colonPort = host.slice(i);
    if (!validOptionalPort(colonPort)) fail(`invalid port ${JSON.stringify(colonPort)} after host`);
  }
  return urlUnescape(host, 'host');
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

function parseAuthority(scheme: string, authority: string): string {
  const at = authority.lastIndexOf('@');
  const host = parseHost(scheme, at < 0 ? authority : authority.slice(at + 1));
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (!validUserinfo(userinfo)) fail('net/url: invalid userinfo');
    for (const part of userinfo.includes(':') ? userinfo.split(':', 2) : [userinfo])
      urlUnescape(part, 'userPassword');
  }
  return host;
}

export interface GoUrl {
  scheme: string;
  host: string;
  path: string;
  rawPath: string;
  rawQuery: string;
  fragment: string;
}

/** Go's url.Parse over a byte string; throws on every input Go rejects. */
export function goParseUrl(rawUrl: string): GoUrl {
  const hash = rawUrl.indexOf('#');
  const rest0 = hash < 0 ? rawUrl : rawUrl.slice(0, hash);
  const frag = hash < 0 ? '' : rawUrl.slice(hash + 1);
  const url: GoUrl = { scheme: '', host: '', path: '', rawPath: '', rawQuery: '', fragment: '' };
  if (/[\x00-\x1f\x7f]/.test(rest0)) fail('net/url: invalid control character in URL');
  if (rest0 === '*') {
    url.path = '*';
  } else {
    let [scheme, rest] = getScheme(rest0);
    url.scheme = scheme.toLowerCase();
    scheme = url.scheme;
    if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) {
      rest = rest.slice(0, -1);
    } else {
      const q = rest.indexOf('?');
      if (q >= 0) [rest, url.rawQuery] = [rest.slice(0, q), rest.slice(q + 1)];
    }
    let opaque = false;
    if (!rest.startsWith('/')) {
      if (scheme !== '') opaque = true;
      else if (rest.split('/', 1)[0].includes(':')) fail('first path segment in URL cannot contain colon');
    }
    if (!opaque) {
      if ((scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
        let authority = rest.slice(2);
        rest = '';
        const slash = authority.indexOf('/');
        if (slash >= 0) [authority, rest] = [authority.slice(0, slash), authority.slice(slash)];
        url.host = parseAuthority(scheme, authority);
      }
      url.path = urlUnescape(rest, 'path');
      url.rawPath = urlEscape(url.path, 'path') === rest ? '' : rest;
    }
  }
  if (frag !== '') url.fragment = urlUnescape(frag, 'fragment');
  return url;
}

/** Go's URL.Hostname and URL.Port (splitHostPort: a numeric port only). */
function splitHostPort(hostPort: string): [string, string] {
  let host = hostPort;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon >= 0 && validOptionalPort(host.slice(colon)))
    [host, port] = [host.slice(0, colon), host.slice(colon + 1)];
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, port];
}

const toBytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
const fromBytes = (s: string) => Buffer.from(s, 'latin1').toString('utf8');

export const uriBuiltins = {
  'uri.parse': (s: unknown) => {
    const u = goParseUrl(toBytes(str(s)));
    const [hostname, port] = splitHostPort(u.host);
    const out: Record<string, string> = {};
    const put = (k: string, v: string) => {
      if (v !== '') out[k] = fromBytes(v);
    };
    put('scheme', u.scheme);
    put('hostname', hostname);
    put('port', port);
    put('path', u.path);
    if (u.path !== '') put('raw_path', u.rawPath || u.path);
    put('raw_query', u.rawQuery);
    put('fragment', u.fragment);
    return out;
  },
  'uri.is_valid': (s: unknown) => {
    if (typeof s !== 'string' || s === '') return false;
    try {
      goParseUrl(toBytes(s));
      return true;
    } catch {
      return false;
    }
  },
};
