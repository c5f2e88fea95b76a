// One coarse timer for the inactivity deadlines of all connections. A per-connection timer
// would be re-armed on every packet; with tens of thousands of mostly idle connections a
// periodic sweep over a Set is cheaper and keeps no timer object per connection. Deadlines
// are therefore honoured within one sweep interval, which is fine for timeouts of minutes.

import { TIMEOUT_SWEEP_INTERVAL_MS } from './limits.js';

export interface Expirable {
  /** Absolute time in ms (Date.now() clock); 0 = no deadline. */
  deadline: number;
  expire(): void;
}

export class DeadlineSweeper {
  #members = new Set<Expirable>();
  #timer: NodeJS.Timeout | null = null;
  #intervalMs: number;

  constructor(intervalMs = TIMEOUT_SWEEP_INTERVAL_MS) {
    this.#intervalMs = intervalMs;
  }

  add(member: Expirable): void {
    this.#members.add(member);
    if (!this.#timer) {
      this.#timer = setInterval(() => this.sweep(Date.now()), this.#intervalMs);
      this.#timer.unref();
    }
  }

  remove(member: Expirable): void {
    this.#members.delete(member);
  }

  /** Expires every member whose deadline has passed. */
  sweep(now: number): void {
    for (const m of this.#members) {
      if (m.deadline !== 0 && m.deadline <= now) {
        this.#members.delete(m);
        m.expire();
      }
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#members.clear();
  }
}
