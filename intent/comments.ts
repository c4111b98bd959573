// Comments in SQL, shell and code are not instructions: blanks them out (same length, so spans
// keep their offsets) before any reader sees the text.
import { COMMANDS, INERT_COMMANDS } from './lexicon.js';

const FENCE = /^\s*(```|~~~)/;
const PROGRAMS = new Set([...Object.keys(COMMANDS), ...INERT_COMMANDS, 'sudo', 'aws', 'gcloud', 'az']);

const blank = (s: string) => s.replace(/[^\n]/g, ' ');

/** Whether a line (after its comment marker) starts with a program we know: a commented-out command. */
function commandLike(rest: string): boolean {
  const first = /^\s*([\w.-]+)/.exec(rest)?.[1]?.toLowerCase();
  return first !== undefined && PROGRAMS.has(first);
}

/**
 * The text with comments replaced by spaces: `/* … *\/` blocks, SQL `-- …` and C-style `// …`
 * lines, and, inside fenced code blocks, `# …` comments (shell, Python) and trailing comments.
 * Outside fences a `# …` line is a markdown heading unless it is a shebang or a commented-out
 * command (`# kubectl delete ns prod`), which is blanked too.
 */
export function blankComments(text: string): string {
  // No comment marker at all (most prose): four substring searches, cheaper than one regex scan.
  if (!text.includes('#') && !text.includes('--') && !text.includes('//') && !text.includes('/*'))
    return text;
  let out = text.replace(/\/\*[\s\S]*?\*\//g, blank);
  const lines = out.split('\n');
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (FENCE.test(line)) {
      fenced = !fenced;
      continue;
    }
    const m = /^(\s*)(--(?=\s|$)|\/\/|#!|#(?=\s|$))(.*)$/.exec(line);
    if (m) {
      const isHash = m[2] === '#';
      if (!isHash || fenced || commandLike(m[3])) lines[i] = m[1] + blank(m[2] + m[3]);
      continue;
    }
    // A trailing comment inside code: `kubectl get pods  # then delete the ns`, `SELECT 1; -- DROP …`.
    // In a shell command only `#` starts a comment: `--` ends the options (`kubectl exec pod --
    // dropdb app`) and `//` is part of a URL.
    const command = commandLike(line);
    if (fenced || command) {
      const t = (command ? /\s(#)\s.*$/ : /\s(#|--|\/\/)\s.*$/).exec(line);
      if (t) lines[i] = line.slice(0, t.index) + blank(t[0]);
    }
  }
  out = lines.join('\n');
  return out;
}
