// The planner's variable map: Rego variable names → IR locals, in nested frames (rule bodies,
// comprehension bodies) so bindings made in a closure never leak out of it.
import type { Local } from './ir.js';

export class VarStack {
  private readonly frames: Map<string, Local>[] = [new Map()];

  push(): void {
    this.frames.push(new Map());
  }

  pop(): void {
    if (this.frames.length > 1) this.frames.pop();
  }

  get(name: string): Local | undefined {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const l = this.frames[i].get(name);
      if (l !== undefined) return l;
    }
    return undefined;
  }

  set(name: string, l: Local): void {
    this.frames[this.frames.length - 1].set(name, l);
  }

  /** Every bound name. */
  names(): string[] {
    return [...new Set(this.frames.flatMap((f) => [...f.keys()]))];
  }

  /** A copy of the current bindings, to undo a speculative planning attempt. */
  snapshot(): Map<string, Local>[] {
    return this.frames.map((f) => new Map(f));
  }

  restore(snap: Map<string, Local>[]): void {
    this.frames.length = 0;
    this.frames.push(...snap.map((f) => new Map(f)));
  }

  /** Runs `fn` in a fresh frame. */
  scoped<T>(fn: () => T): T {
    this.push();
    try {
      return fn();
    } finally {
      this.pop();
    }
  }
}
