#!/usr/bin/env node
// Entry point of the `kubectl sema` plugin (kubectl finds `kubectl-sema` on PATH).
import { runKubectlSema } from './kubectl-sema/program.js';

void runKubectlSema(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
