// trace_transitions: every state transition of every connection as a JSON line
// { time, cid, from, event, to }, for people who study IMAP sessions. Built on xstate's
// inspection API, attached only when the option is on (it costs a callback per event).

import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import type { InspectionEvent } from 'xstate';

export interface TransitionRecord {
  time: string;
  cid: string;
  from: string | null;
  event: string;
  to: string;
}

/** Flattens a state value to a dotted path: { authenticated: { ready: 'waiting' } } → authenticated.ready.waiting. */
export function stateValueToString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? [];
    if (key === undefined) return '';
    const rest = stateValueToString(inner);
    return rest ? `${key}.${rest}` : key;
  }
  return '';
}

export class TransitionTracer {
  #last = new Map<string, string>();
  #sink: (record: TransitionRecord) => void;
  #stream: WriteStream | null = null;

  constructor(sink: (record: TransitionRecord) => void) {
    this.#sink = sink;
  }

  /**
   * A tracer that appends JSON lines to a file. The file is opened here, synchronously, so a path
   * that cannot be opened throws to the caller at start-up, instead of surfacing later as an
   * 'error' event that would end the process. A write that fails later (a full disk) stops the
   * trace and is reported once to `onError`; the connections go on.
   */
  static toFile(path: string, onError: (err: Error) => void): TransitionTracer {
    const stream = createWriteStream(path, { fd: openSync(path, 'a') });
    // Once: after 'error' a stream emits nothing more but 'close' (Node's stream docs).
    stream.on('error', onError);
    // After an error the stream is destroyed and closed its file: later records are dropped.
    const tracer = new TransitionTracer((r) => {
      if (!stream.destroyed) stream.write(`${JSON.stringify(r)}\n`);
    });
    tracer.#stream = stream;
    return tracer;
  }

  record(cid: string, ev: InspectionEvent): void {
    // Only snapshots of the connection actor itself (the caller routes its events here);
    // its invoked children (command runs) are not states.
    if (ev.type !== '@xstate.snapshot') return;
    const snapshot = ev.snapshot as { value?: unknown; status?: string };
    if (snapshot.value === undefined) return;
    const to = stateValueToString(snapshot.value);
    const from = this.#last.get(cid) ?? null;
    if (snapshot.status === 'done') this.#last.delete(cid);
    else this.#last.set(cid, to);
    this.#sink({ time: new Date().toISOString(), cid, from, event: ev.event.type, to });
  }

  close(): Promise<void> {
    const stream = this.#stream;
    if (!stream) return Promise.resolve();
    return new Promise((resolve) => stream.end(resolve));
  }
}
