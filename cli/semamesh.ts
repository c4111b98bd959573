#!/usr/bin/env node
// Entry point of the `semamesh` binary as tsc emits it (and as tsx runs it from source). `npm run
// build` replaces dist/cli/semamesh.js with a loader of the bundled CLI (scripts/bundle.mjs).
import './main.js';
