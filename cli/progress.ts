// Progress for long work (a Git clone, a big compile): one self-rewriting line on stderr when it is
// a terminal, nothing otherwise, so logs and pipes stay clean.
import type { WriteStream } from 'node:tty';

export interface Progress {
  update(text: string): void;
  done(): void;
}

export function progress(stream: NodeJS.WriteStream | WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  let shown = false;
  return {
    update(text) {
      const width = Math.max(20, (stream.columns ?? 80) - 1);
      stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
