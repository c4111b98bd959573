// Loads a compiled policy (wasm or bundle) into the unmodified @open-policy-agent/opa-wasm SDK with
// our host builtins wired in, and evaluates it with inputs passed as JSON bytes so falsy inputs work.
// The instance runs a patched copy of the module whose fuel meter asks us for each slice, so a
// timeout is checked against the clock (wasm/fuel-refill.ts, metering.ts); the bytes given are
// left as they are.
import * as opaModule from '@open-policy-agent/opa-wasm';
import { hostBuiltins, SDK_SHADOWED } from './builtins/index.js';
import { type Bundle, readBundle } from './bundle/index.js';
import { evalFailed, policyLoad } from './errors.js';
import { type HostLink, linkHost, withSets } from './host-sets.js';
import { FuelGauge } from './metering.js';
import { patchFuelRefill, REFILL_BUILTIN } from './wasm/fuel-refill.js';

/** The SDK's LoadedPolicy, reduced to what we use (its shipped typings are incomplete). */
interface SdkPolicy {
  evaluate(input: unknown, entrypoint?: number | string): unknown;
  setData(data: object | ArrayBuffer): void;
  entrypoints: Record<string, number>;
  mem: { buffer: ArrayBuffer };
  wasmInstance: { exports: Record<string, unknown> };
}
/** Memory size in 64 KiB pages (MemoryDescriptor; Node's typings lack the namespace). */
export interface MemoryDescriptor {
  initial?: number;
  maximum?: number;
}
interface Sdk {
  loadPolicy(wasm: Uint8Array, mem?: MemoryDescriptor, builtins?: object): Promise<SdkPolicy>;
  loadPolicySync(wasm: Uint8Array, mem?: MemoryDescriptor, builtins?: object): SdkPolicy;
}
// The package's ESM entry has a default export holding both loaders; its typings declare neither.
const sdk = (opaModule as unknown as { default: Sdk }).default;

/** One row of a result set: `{"result": v}` for entrypoints, `{var: v}` per query variable. */
export type ResultRow = Record<string, unknown>;

export interface LoadOptions {
  /** Initial/maximum memory in 64 KiB pages (the SDK's default is 5 initial, no maximum). */
  memory?: MemoryDescriptor;
  /** Extra builtins, merged over ours (tests, or a host that provides `time.now_ns` differently). */
  builtins?: Record<string, (...args: unknown[]) => unknown>;
  /** Steps per millisecond a timeout is budgeted at until measured (rate mode of engine/metering.ts). */
  fuelRate?: number;
  /**
   * Patch the module so a timeout is checked against the clock (default true). False keeps the
   * module's bytes and budgets a timeout by the measured rate alone (the fallback; tests).
   */
  clockDeadline?: boolean;
}

const encoder = new TextEncoder();
/** The SDK writes an ArrayBuffer's bytes verbatim, so it must hold exactly the text. */
function textBytes(text: string): ArrayBuffer {
  const u = encoder.encode(text);
  return (u.byteLength === u.buffer.byteLength ? u.buffer : u.slice().buffer) as ArrayBuffer;
}
const jsonBytes = (value: unknown): ArrayBuffer => textBytes(JSON.stringify(value) ?? 'null');

/** A loaded policy. Not thread-safe: one evaluation at a time per instance (the SDK resets its heap). */
export class EnginePolicy {
  /** Builtins the module calls that neither the runtime, the SDK nor our host implements. */
  readonly missingBuiltins: string[];
  /** The instruction budget's host side (inert for modules compiled without the meter). */
  private readonly gauge: FuelGauge;

  constructor(
    readonly sdkPolicy: SdkPolicy,
    builtins: Record<string, unknown>,
    gauge: FuelGauge,
  ) {
    this.gauge = gauge;
    this.gauge.attach(sdkPolicy.wasmInstance.exports);
    this.missingBuiltins = hostBuiltinNames(sdkPolicy).filter(
      (n) => !SDK_SHADOWED.has(n) && !(n in builtins),
    );
  }

  /** Entrypoint names → ids. */
  get entrypoints(): Record<string, number> {
    return this.sdkPolicy.entrypoints;
  }

  setData(data: unknown): void {
    try {
      this.sdkPolicy.setData(jsonBytes(data));
    } catch (err) {
      throw evalFailed(`cannot set data: ${describe(err)}`, err);
    }
  }

  /**
   * Evaluates with `input` (any JSON value, `undefined` = no input); returns the result set. With
   * `timeoutMs`, an evaluation still running at the deadline throws SM_ERR_ENGINE_TIMEOUT.
   */
  evaluate(
    input?: unknown,
    entrypoint: number | string = 0,
    options: { timeoutMs?: number } = {},
  ): ResultRow[] {
    return this.run(input === undefined ? undefined : jsonBytes(input), entrypoint, options.timeoutMs);
  }

  /** Whether the module carries the instruction budget, so timeouts can stop it. */
  get metered(): boolean {
    return this.gauge.metered;
  }

  /** Whether timeouts are checked against the clock (the module was patched), not only budgeted. */
  get clockDeadline(): boolean {
    return this.gauge.metered && this.gauge.clock;
  }

  /** Evaluates with input given as text: JSON, or a Rego value with sets (`{1, 2}`), parsed by the runtime. */
  evaluateText(input: string, entrypoint: number | string = 0): ResultRow[] {
    return this.run(textBytes(input), entrypoint);
  }

  private run(input: ArrayBuffer | undefined, entrypoint: number | string, timeoutMs?: number): ResultRow[] {
    let rows: unknown;
    this.gauge.arm(timeoutMs, entrypoint);
    for (;;) {
      try {
        rows = this.sdkPolicy.evaluate(input, entrypoint);
        this.gauge.settle();
        break;
      } catch (err) {
        const settled = this.gauge.settle();
        if (settled.kind === 'timeout') throw settled.error;
        if (settled.kind === 'done') throw evalFailed(describe(err), err);
      }
    }
    if (!Array.isArray(rows))
      throw evalFailed(`the policy returned ${JSON.stringify(rows)}, not a result set`);
    return rows as ResultRow[];
  }
}

/** The SDK throws strings (opa_abort) and `{message}` objects (missing builtins); keep their text. */
export function describe(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string')
    return (err as { message: string }).message;
  return String(err);
}

/** Reads the module's `builtins()` map (name → id), restoring the heap pointer afterwards. */
function hostBuiltinNames(p: SdkPolicy): string[] {
  const ex = p.wasmInstance.exports as Record<string, ((...a: number[]) => number) | undefined>;
  const { builtins, opa_json_dump: dump, opa_heap_ptr_get: getHeap, opa_heap_ptr_set: setHeap } = ex;
  if (!builtins || !dump || !getHeap || !setHeap) return [];
  const heap = getHeap();
  try {
    const addr = dump(builtins());
    const bytes = new Uint8Array(p.mem.buffer);
    let end = addr;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return Object.keys(JSON.parse(new TextDecoder().decode(bytes.subarray(addr, end))) as object);
  } finally {
    setHeap(heap);
  }
}

const isGzip = (b: Uint8Array) => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;

interface Prepared {
  wasm: Uint8Array;
  data?: Record<string, unknown>;
  builtins: Record<string, (...args: unknown[]) => unknown>;
  gauge: FuelGauge;
  link: HostLink;
}

/** Unpacks a bundle, and patches the module for clock deadlines (kept as is if it cannot be). */
function prepare(source: Uint8Array | Bundle, options: LoadOptions): Prepared {
  const bundle = source instanceof Uint8Array ? (isGzip(source) ? readBundle(source) : undefined) : source;
  if (bundle && !bundle.wasm) throw policyLoad('the bundle holds no wasm module');
  const wasm = bundle ? (bundle.wasm as Uint8Array) : (source as Uint8Array);
  const link: HostLink = {};
  const builtins = { ...withSets(hostBuiltins, link), ...options.builtins };
  const gauge = new FuelGauge(options.fuelRate);
  const patched = options.clockDeadline === false ? undefined : patchFuelRefill(wasm);
  if (!patched) return { wasm, data: bundle?.data, builtins, gauge, link };
  gauge.clock = true;
  builtins[REFILL_BUILTIN] = gauge.refill;
  return { wasm: patched, data: bundle?.data, builtins, gauge, link };
}

function finish(p: SdkPolicy, prepared: Prepared): EnginePolicy {
  const { builtins, gauge, data } = prepared;
  linkHost(prepared.link, p.wasmInstance.exports, p.mem);
  const policy = new EnginePolicy(p, builtins, gauge);
  if (data && Object.keys(data).length > 0) policy.setData(data);
  return policy;
}

/** Loads a wasm module or a bundle (gzip bytes or a read Bundle; its data is set). */
export async function loadPolicy(
  source: Uint8Array | Bundle,
  options: LoadOptions = {},
): Promise<EnginePolicy> {
  const prepared = prepare(source, options);
  let p: SdkPolicy;
  try {
    p = await sdk.loadPolicy(prepared.wasm, options.memory ?? {}, prepared.builtins);
  } catch (err) {
    throw policyLoad(describe(err), err);
  }
  return finish(p, prepared);
}

/** Synchronous variant, for workers and tools that compile and evaluate in one go. */
export function loadPolicySync(source: Uint8Array | Bundle, options: LoadOptions = {}): EnginePolicy {
  const prepared = prepare(source, options);
  let p: SdkPolicy;
  try {
    p = sdk.loadPolicySync(prepared.wasm, options.memory ?? {}, prepared.builtins);
  } catch (err) {
    throw policyLoad(describe(err), err);
  }
  return finish(p, prepared);
}
