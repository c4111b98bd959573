// Public entry of the SemaMesh console: the server (page, JSON API, event stream, actions), the
// decision log it is fed from, authenticators, and the reporter waypoints use to feed a remote console.
export {
  type Access,
  type Authenticator,
  cachingAuthenticator,
  decideAccess,
  type Identity,
  localTokenAuthenticator,
  REPORT_ACCESS,
  VIEW_ACCESS,
} from './auth.js';
export { budgetsFromQuotas, budgetsFromStatus } from './budgets.js';
export { DecisionLog, type DecisionLogOptions } from './decision-log.js';
export { CONSOLE_ERROR_CODES, ConsoleError, type ConsoleErrorCode } from './errors.js';
export { auditTap, type DecisionReporterOptions, decisionReporter } from './reporter.js';
export {
  type ConsoleBackend,
  type ConsoleOptions,
  type ConsoleServer,
  createConsoleServer,
} from './server.js';
export type * from './types.js';
