// The one log format of every SemaMesh process: pino JSON lines with the level as a word, an
// RFC 3339 time and the component's name, on stderr (stdout carries audit records).
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
  /** Writes what is gathered, synchronously (close; pino's exit hook does the same at exit). */
  flushSync(): void;
}

/**
 * Audit lines to stdout through sonic-boom's asynchronous writes (a write to a pipe from
 * process.stdout is synchronous on Linux and would hold the event loop), gathered into one write of
 * AUDIT_BATCH_BYTES or every AUDIT_BATCH_MS: an asynchronous fs.write costs ~8 µs of CPU whatever
 * its size up to a few KiB (one per ~650-byte record was ~3 % of a request's CPU), ~1 µs a record
 * in 8 KiB writes.
 */
export function auditStdout(): AuditStdout {
  const dest = pino.destination({ dest: 1, sync: false, minLength: AUDIT_BATCH_BYTES });
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    try {
      dest.flush();
    } catch {
      // Destroyed (stdout closed): nothing is left to write to.
    }
  };
  return {
    write(line) {
      dest.write(line);
      // A timer only while lines wait; sonic-boom writes by itself once AUDIT_BATCH_BYTES gathered.
      timer ??= setTimeout(flush, AUDIT_BATCH_MS).unref();
    },
    flushSync() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      dest.flushSync();
    },
  };
}
