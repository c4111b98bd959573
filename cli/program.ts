// Builds the `semamesh` command tree; each subcommand lives in cli/commands/<name>.ts and registers itself here.
import type { Command } from 'commander';
import { registerBuild } from './commands/build.js';
import { registerCompile } from './commands/compile.js';
import { registerCompletion } from './commands/completion.js';
import { registerController } from './commands/controller.js';
import { registerDemo } from './commands/demo.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEval } from './commands/eval.js';
import { registerExec } from './commands/exec.js';
import { registerExplain } from './commands/explain.js';
import { registerIncidents } from './commands/incidents.js';
import { registerMockLlm } from './commands/mock-llm.js';
import { registerNodeAgent } from './commands/node-agent.js';
import { registerParse } from './commands/parse.js';
import { registerQuota } from './commands/quota.js';
import { registerTest } from './commands/test.js';
import { registerUp } from './commands/up.js';
import { registerValidate } from './commands/validate.js';
import { registerVersion } from './commands/version.js';
import { registerWaypoint } from './commands/waypoint.js';
import { baseProgram } from './program-base.js';

/** Creates the CLI program. Exported separately from the bin so tests can run commands in-process. */
export function createProgram(): Command {
  const program = baseProgram();
  registerValidate(program);
  registerVersion(program);
  registerMockLlm(program);
  registerBuild(program);
  registerEval(program);
  registerCompile(program);
  registerParse(program);
  registerDoctor(program);
  registerTest(program);
  registerQuota(program);
  registerIncidents(program);
  registerWaypoint(program);
  registerExec(program);
  registerExplain(program);
  registerUp(program);
  registerDemo(program);
  registerController(program);
  registerNodeAgent(program);
  registerCompletion(program);
  return program;
}
