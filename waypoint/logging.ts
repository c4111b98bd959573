// The one log format of every SemaMesh process: pino JSON lines with the level as a word, an
// RFC 3339 time and the component's name, on stderr (stdout carries audit records).
import { writeSync } from 'node:fs';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/** pino (and fastify) options giving SemaMesh's format; spread them under a component's own settings. */
export function logOptions(component: string, level = 'info'): LoggerOptions {
  return {
    level: process.env.SEMAMESH_LOG_LEVEL ?? level,
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
}

/** A logger writing SemaMesh's format to stderr (or `destination`, for tests). */
export function createLogger(component: string, destination?: DestinationStream, level?: string): Logger {
  return pino(logOptions(component, level), destination ?? process.stderr);
}

/** Bytes of audit lines gathered before one write to stdout. */
const AUDIT_BATCH_BYTES = 8192;
/** Longest an audit line waits for others before it is written anyway. */
const AUDIT_BATCH_MS = 20;

export interface AuditStdout {
  write(line: string): void;
  /** Writes what is gathered now, synchronously (close); an exiting process does the same. */
  flushSync(): void;
}

/**
 * Audit lines to stdout through sonic-boom's asynchronous writes (a write to a pipe from
 * process.stdout is synchronous on Linux and would hold the event loop), gathered here into one
 * write of AUDIT_BATCH_BYTES or every AUDIT_BATCH_MS: an asynchronous fs.write costs several µs of
 * CPU whatever its size up to a few KiB, and one per ~650-byte record was ~3 % of a request's CPU.
 * (sonic-boom's own minLength gathers into one growing string it measures on every write.)
 */
export function auditStdout(): AuditStdout {
  const dest = pino.destination({ dest: 1, sync: false });
  let pending: string[] = [];
  let bytes = 0;
  let timer: NodeJS.Timeout | undefined;
  const take = (): string => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const text = pending.length === 1 ? pending[0]! : pending.join('');
    pending = [];
    bytes = 0;
    return text;
  };
  const flush = () => {
    const text = take();
    if (text === '') return;
    try {
      dest.write(text);
    } catch {
      // Destroyed (stdout closed): nothing is left to write to.
    }
  };
  // Older lines sonic-boom still holds go first (pino's own exit hook may have written them already).
  const onExit = () => {
    const text = take();
    try {
      dest.flushSync();
    } catch {
      // Already ended by pino's hook (which wrote what it held), or stdout closed.
    }
    try {
      if (text !== '') writeSync(1, text);
    } catch {
      // Stdout closed: an exiting process cannot do more.
    }
  };
  process.on('exit', onExit);
  return {
    write(line) {
      pending.push(line);
      bytes += line.length;
      if (bytes >= AUDIT_BATCH_BYTES) flush();
      else timer ??= setTimeout(flush, AUDIT_BATCH_MS).unref();
    },
    flushSync() {
      flush();
      dest.flushSync();
      process.off('exit', onExit);
    },
  };
}
