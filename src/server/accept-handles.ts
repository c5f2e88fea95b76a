// More handles on one listening socket, so that a turn of a busy event loop accepts more than
// one connection.
//
// Why: libuv accepts one connection each time a listening handle is reported readable and
// leaves the next one to the next turn of the event loop (libuv 1.45, "unix: don't accept()
// connections in a loop"). Under load a turn of the loop serving every session lasts
// milliseconds, which caps accepts at a few hundred a second: with 100 busy clients a new
// connection waited 300 ms (median) for its greeting, though the kernel had completed its
// handshake at once, and a reconnecting crowd queues for far longer. Each handle on the same
// socket is polled on its own, so n handles accept up to n connections per turn, and the
// kernel hands each connection to exactly one of them.
//
// How: Node 20 has neither SO_REUSEPORT (`reusePort` arrives in Node 22.12) nor dup(). A
// descriptor sent over an IPC channel arrives as a new descriptor of the same socket, so a
// short-lived child process receives the listening handle and sends it back as many times as
// copies are wanted. The handle travels raw (not as a net.Server), so the child never polls it
// and cannot take a connection; it closes its own descriptor and exits.

import { spawn } from 'node:child_process';

/** How long the copies may take before the server goes on without them (a child starts in ~50 ms). */
export const COPY_TIMEOUT_MS = 5_000;

/**
 * The child: sends the handle it receives back `copies` times, and closes its descriptor when
 * the parent closes the channel. Node queues a handle until the other side acknowledges the
 * one before, so the child must not leave first: a copy still queued would be lost.
 */
const CHILD_SOURCE = `
process.once('message', ({ copies }, handle) => {
  process.once('disconnect', () => handle.close());
  for (let i = 0; i < copies; i++) process.send('copy', handle);
});
`;
/** A libuv stream handle as Node's child_process sends and receives it (TCP or Pipe). */
export type RawHandle = object;

/**
 * Returns `copies` new handles on the socket of `handle` (a listening net.Server's `_handle`),
 * ready for `net.Server.listen(handle)`. Rejects if the child cannot be started or does not
 * answer in time; the caller then serves with the one handle it has.
 */
export function copyListeningHandle(handle: RawHandle, copies: number): Promise<RawHandle[]> {
  if (copies <= 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const received: RawHandle[] = [];
    let settled = false;
    // NODE_OPTIONS is dropped: loaders the server runs under (tsx, coverage) are not needed by
    // a dozen lines of plain JavaScript and would only slow its start.
    const child = spawn(process.execPath, ['-e', CHILD_SOURCE], {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'json',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill();
      for (const h of received) (h as { close(): void }).close();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`no copies of the listening socket within ${COPY_TIMEOUT_MS} ms`)), COPY_TIMEOUT_MS);
    child.once('error', fail);
    child.on('message', (message: unknown, copy: RawHandle | undefined) => {
      if (message !== 'copy' || copy === undefined) return;
      if (settled) return (copy as { close(): void }).close(); // too late: the caller went on without
      received.push(copy);
      if (received.length < copies) return;
      settled = true;
      clearTimeout(timer);
      child.disconnect();
      resolve(received);
    });
    // The channel closes once every message sent over it has been read ('exit' can come first).
    child.once('disconnect', () => fail(new Error('the child copying the listening socket closed its channel early')));
    child.send({ copies }, handle as Parameters<typeof child.send>[1]);
  });
}
