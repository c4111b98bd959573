// Public entry of leader election: one active controller replica at a time, through a Lease.
export { LeaderElector, type LeaderElectorOptions } from './lease.js';
