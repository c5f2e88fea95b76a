// Which framed request the main thread runs next, one per event-loop turn.
//
// Why not run a request the moment its bytes arrive, inside the socket's read callback: one
// turn of the loop then runs every request that was ready when it polled, and anything that
// becomes ready meanwhile (a storage commit's answer, the next command of a client that was
// just answered, a new connection) waits for the whole turn. With a hundred busy clients a
// turn took ~40 ms, so a STORE waited one turn for its commit's answer and its client's next
// command waited another. Here a read callback only frames and parses; requests queue, and
// each turn runs one, so between two requests the loop polls: answers are delivered and
// input is queued within one request's time.
//
// Which one: requests of sessions in progress before requests of connections that have not
// logged in yet. When the server is saturated, someone waits; a client at LOGIN has not
// started its work, while a STORE or FETCH belongs to a user who has. So under overload
// sessions in progress keep their latency, new sessions queue at the door (a login storm
// after a restart does not stall the users already in), and nothing is refused. A login that
// has waited MAX_LOGIN_QUEUE_MS runs next whatever is queued, so logins always progress; but
// never two such in a row while sessions wait, or a flood of unauthenticated connections that
// keep a request queued each would take every turn once their queue is a second long.
// Within a class requests run in arrival order; a connection never has more than one request
// queued (the socket bridge frames the next only once the connection asks for it).

import { MAX_LOGIN_QUEUE_MS } from './limits.js';

/** `session`: the connection is authenticated. `login`: it is not (yet). */
export type RequestPriority = 'session' | 'login';

interface Queued {
  run: () => void;
  /** When it was submitted, by the scheduler's clock. */
  at: number;
}

/** First-in first-out without Array#shift's copying once queues grow to thousands. */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  peek(): T | undefined {
    return this.#items[this.#head];
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined as T;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

export interface RequestSchedulerOptions {
  /** Runs `fn` on a later turn of the event loop; setImmediate unless a test drives the turns. */
  defer?: (fn: () => void) => void;
  /** Milliseconds clock; performance.now unless a test sets the time. */
  now?: () => number;
  maxLoginQueueMs?: number;
}

export class RequestScheduler {
  readonly #session = new Fifo<Queued>();
  readonly #login = new Fifo<Queued>();
  readonly #defer: (fn: () => void) => void;
  readonly #now: () => number;
  readonly #maxLoginQueueMs: number;
  #scheduled = false;
  /** The last turn ran a login ahead of waiting sessions: this one goes to a session. */
  #overtook = false;
  readonly #turn = (): void => this.#runOne();

  constructor(opts: RequestSchedulerOptions = {}) {
    this.#defer = opts.defer ?? setImmediate;
    this.#now = opts.now ?? (() => performance.now());
    this.#maxLoginQueueMs = opts.maxLoginQueueMs ?? MAX_LOGIN_QUEUE_MS;
  }

  /** Requests waiting to run. */
  get waiting(): number {
    return this.#session.size + this.#login.size;
  }

  /** Queues `run`; it must not throw (the caller turns its own failures into a closed connection). */
  submit(priority: RequestPriority, run: () => void): void {
    (priority === 'session' ? this.#session : this.#login).push({ run, at: this.#now() });
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#defer(this.#turn);
  }

  #runOne(): void {
    this.#scheduled = false;
    const next = this.#next();
    if (next === undefined) return;
    // The next turn is asked for before running, so a request that throws cannot stall the rest.
    if (this.waiting > 0) this.#schedule();
    next.run();
  }

  #next(): Queued | undefined {
    const oldestLogin = this.#login.peek();
    if (oldestLogin !== undefined && this.#session.size === 0) return this.#login.shift();
    const overtake = oldestLogin !== undefined && !this.#overtook && this.#now() - oldestLogin.at >= this.#maxLoginQueueMs;
    this.#overtook = overtake;
    return overtake ? this.#login.shift() : this.#session.shift();
  }
}
