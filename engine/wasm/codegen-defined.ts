// Tracks which IR locals are certainly defined at each point of a function being compiled, so the
// code generator can skip the "undefined operand" checks the IR semantics otherwise require.
import type * as ir from '../plan/ir.js';

/**
 * A forward, block-structured analysis run alongside code generation. Inside a block, statements
 * only ever add defined locals (ResetLocal and the end of a Scan are the exceptions, recorded by
 * `kill`). Control continues after a block from any statement in it, so after a block only what
 * held at its entry and was not killed inside still holds.
 */
export class DefinedLocals {
  private def = new Set<ir.Local>();
  private readonly killLogs: Set<ir.Local>[] = [];

  has(l: ir.Local): boolean {
    return this.def.has(l);
  }

  add(l: ir.Local): void {
    this.def.add(l);
  }

  /** Forgets a local without recording it as killed (it keeps its state from before a construct). */
  forget(l: ir.Local): void {
    this.def.delete(l);
  }

  /** Records that a local became undefined, for this block and every enclosing one. */
  kill(l: ir.Local): void {
    this.def.delete(l);
    for (const log of this.killLogs) log.add(l);
  }

  /** Runs `body` as one IR block: afterwards only the entry state minus kills holds. */
  block(body: () => void): void {
    const before = new Set(this.def);
    const killed = new Set<ir.Local>();
    this.killLogs.push(killed);
    try {
      body();
    } finally {
      this.killLogs.pop();
    }
    for (const l of killed) before.delete(l);
    this.def = before;
  }

  /** Updates the state after a statement that continued normally. */
  after(s: ir.Stmt): void {
    const t = definedTarget(s);
    if (t !== undefined) this.def.add(t);
  }

  /**
   * Before a loop body: later iterations start where earlier ones ended, so whatever the body
   * may undefine is unknown at its start.
   */
  enterLoop(body: ir.Block): void {
    for (const l of undefinedIn(body)) this.kill(l);
  }
}

/** The local a statement leaves defined when execution continues after it, if any. */
function definedTarget(s: ir.Stmt): ir.Local | undefined {
  switch (s.kind) {
    case 'Dot':
    case 'Len':
    case 'AssignInt':
    case 'AssignVar':
    case 'AssignVarOnce':
    case 'MakeNull':
    case 'MakeNumberInt':
    case 'MakeNumberRef':
    case 'MakeArray':
    case 'MakeObject':
    case 'MakeSet':
    case 'ObjectMerge':
      return s.target;
    case 'CallDynamic':
      return s.result;
    default:
      // Call results are added by the call compiler: a void host builtin defines nothing.
      return undefined;
  }
}

/** Locals a block may make undefined (ResetLocal targets, Scan keys), at any depth. */
function undefinedIn(b: ir.Block, out = new Set<ir.Local>()): Set<ir.Local> {
  for (const s of b.stmts) {
    if (s.kind === 'ResetLocal') out.add(s.target);
    else if (s.kind === 'Scan') {
      out.add(s.key);
      undefinedIn(s.block, out);
    } else if (s.kind === 'Block') for (const inner of s.blocks) undefinedIn(inner, out);
    else if (s.kind === 'Not' || s.kind === 'With') undefinedIn(s.block, out);
  }
  return out;
}
