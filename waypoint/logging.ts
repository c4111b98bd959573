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
