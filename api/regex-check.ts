// Admits only regular expressions that RE2 accepts, so matching stays linear-time (no ReDoS through policies).
import { RE2JS } from 're2js';

/**
 * Constructs that need backtracking, named plainly: RE2 rejects them too, but its own message
 * ("invalid escape sequence") does not tell a policy author why.
 */
function backtrackingConstruct(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) return `a backreference (\\${next})`;
      if (!inClass && next === 'k' && /[<{']/.test(pattern[i + 2] ?? ''))
        return 'a named backreference (\\k<…>)';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // A ']' right after '[' or '[^' is a literal, not the end of the class.
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const head = pattern.slice(i + 2, i + 4);
      if (head.startsWith('=')) return 'a lookahead (?=…)';
      if (head.startsWith('!')) return 'a negative lookahead (?!…)';
      if (head === '<=') return 'a lookbehind (?<=…)';
      if (head === '<!') return 'a negative lookbehind (?<!…)';
      if (head.startsWith('>')) return 'an atomic group (?>…)';
    }
  }
  return undefined;
}

/** Returns why `pattern` cannot be used (undefined when it is fine). Never throws. */
export function re2Problem(pattern: string): string | undefined {
  const construct = backtrackingConstruct(pattern);
  if (construct)
    return `uses ${construct}; SemaMesh matches with RE2 semantics (linear time), which has no backreferences or lookarounds`;
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (err) {
    const detail = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err);
    return `is not a valid RE2 regular expression: ${detail}`;
  }
}
