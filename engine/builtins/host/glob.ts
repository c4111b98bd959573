// `glob.match` and `glob.quote_meta` with the gobwas/glob syntax OPA uses (`*`, `**`, `?`, `[a-z]`,
// `[!a-z]`, `{a,b}`), compiled to an RE2 pattern so matching stays linear in the input.
import { RE2JS } from 're2js';
import { arr, str } from './args.js';
import { compileRegex } from './regex.js';

const escapeClassChar = (c: string): string => (/[\\\]^-]/.test(c) ? `\\${c}` : c);

function delimiterClass(delims: string[]): string {
  return delims.length === 0 ? '(?s:.)' : `[^${delims.map(escapeClassChar).join('')}]`;
}

/** Translates a glob to an anchored RE2 pattern; throws on unbalanced `[` or `{`. */
export function globToRegex(glob: string, delims: string[]): string {
  const runes = [...glob];
  const single = delimiterClass(delims);
  let out = '';
  let depth = 0;
  for (let i = 0; i < runes.length; i++) {
    const r = runes[i];
    switch (r) {
      case '*':
        if (runes[i + 1] === '*') {
          out += '(?s:.*)';
          i++;
        } else {
          out += `${single}*`;
        }
        break;
      case '?':
        out += single;
        break;
      case '[': {
        const close = runes.indexOf(']', i + 2);
        if (close < 0) throw new Error('unclosed character class');
        const negated = runes[i + 1] === '!';
        const body = runes.slice(negated ? i + 2 : i + 1, close);
        let cls = '';
        for (let j = 0; j < body.length; j++) {
          const c = body[j];
          cls +=
            c === '-' && j > 0 && j < body.length - 1
              ? '-'
              : escapeClassChar(c === '\\' ? (body[++j] ?? '\\') : c);
        }
        out += `[${negated ? '^' : ''}${cls}]`;
        i = close;
        break;
      }
      case '{':
        depth++;
        out += '(?:';
        break;
      case '}':
        if (depth === 0) throw new Error('unbalanced }');
        depth--;
        out += ')';
        break;
      case ',':
        out += depth > 0 ? '|' : ',';
        break;
      case '\\':
        i++;
        if (i >= runes.length) throw new Error('trailing backslash');
        out += RE2JS.quote(runes[i]);
        break;
      default:
        out += RE2JS.quote(r);
    }
  }
  if (depth !== 0) throw new Error('unbalanced {');
  return `^${out}$`;
}

function globMatch(pattern: unknown, delimiters: unknown, value: unknown): boolean {
  let delims: string[] = [];
  if (delimiters !== null) {
    delims = arr(delimiters, 'delimiters').map((d) => str(d, 'delimiter'));
    if (delims.length === 0) delims = ['.'];
  }
  const chars = delims.flatMap((d) => [...d]);
  return compileRegex(globToRegex(str(pattern), chars)).test(str(value));
}

export const globBuiltins = {
  'glob.match': globMatch,
  'glob.quote_meta': (s: unknown) => str(s).replace(/[*?\\[\]{}]/g, (c) => `\\${c}`),
};
