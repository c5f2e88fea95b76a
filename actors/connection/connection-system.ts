// One xstate actor system for all the connections of a server. Each root actor would build
// its own system (a scheduler, registries and a dozen closures, about 1.5 KB); connection
// actors created with this root as parent share one instead, which matters at tens of
// thousands of connections. The root does nothing itself: it only absorbs the done and
// error events its children relay to a parent (each connection observes its own errors).

import { createActor, fromCallback, type AnyActorRef, type InspectionEvent } from 'xstate';
import type { TransitionTracer } from './trace.js';

const rootLogic = fromCallback(() => () => {});

export class ConnectionSystem {
  readonly root: AnyActorRef;
  /** Connection actors being traced (trace_transitions), with their tracer and id. */
  #traced = new WeakMap<object, { tracer: TransitionTracer; cid: string }>();

  /** `tracing`: some endpoint traces transitions, so the system gets an inspector. */
  constructor(tracing: boolean) {
    const inspect = tracing
      ? (ev: InspectionEvent) => {
          const t = this.#traced.get(ev.actorRef);
          if (t) t.tracer.record(t.cid, ev);
        }
      : undefined;
    this.root = createActor(rootLogic, inspect ? { inspect } : {});
    this.root.start();
  }

  trace(actor: AnyActorRef, tracer: TransitionTracer, cid: string): void {
    this.#traced.set(actor, { tracer, cid });
  }

  stop(): void {
    this.root.stop();
  }
}
