// `semamesh test`'s engine side: run Rego unit tests through the wasm path and report like `opa test`.

export { type BenchmarkResult, type BenchRun, benchJson, benchTests, formatBenchPretty } from './bench.js';
export { exitCode, formatJson, formatPretty, goDuration } from './reporter.js';
export { type RunOptions, runTests, type TestLocation, type TestResult, type TestRun } from './runner.js';
export { parseGoDuration, runTestsWithTimeout } from './timeout.js';
