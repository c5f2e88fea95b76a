// A connection's output keeps its order when part of it is known only later: a place reserved
// for mailbox updates that wait for a stored \Recent claim holds back everything written after
// it (the tagged reply, IDLE's OK), and a close waits for it to be filled.

import t, { type Test } from 'tap';
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { ConnectionIo } from '../../src/server/connection-io.js';
import { DeadlineSweeper } from '../../src/server/deadlines.js';
import { RequestScheduler } from '../../src/server/request-scheduler.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A ConnectionIo over one end of a loopback connection, and everything the other end reads. */
async function pair(t: Test): Promise<{ io: ConnectionIo; received: () => string; ended: Promise<unknown> }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  const [socket] = (await once(server, 'connection')) as [Socket];
  const sweeper = new DeadlineSweeper();
  const io = new ConnectionIo({
    socket,
    secure: false,
    logger: silent,
    ioDebug: false,
    ioErrors: false,
    sweeper,
    scheduler: new RequestScheduler(),
  });
  let text = '';
  client.setEncoding('latin1');
  client.on('data', (d: string) => (text += d));
  const ended = once(client, 'end');
  t.teardown(() => {
    client.destroy();
    socket.destroy();
    server.close();
    sweeper.stop();
  });
  return { io, received: () => text, ended };
}

t.test('writes after a reserved place wait for it, then all go out in order', async (t) => {
  const { io, received } = await pair(t);
  io.write('* 1 FETCH (FLAGS ())\r\n');
  const fill = io.reserve();
  io.write('a1 OK NOOP completed\r\n');
  const second = io.reserve();
  io.write(['b1 ', 'OK done\r\n']);
  await new Promise((r) => setTimeout(r, 50));
  t.equal(received(), '* 1 FETCH (FLAGS ())\r\n', 'nothing after the reserved place has gone out');
  second('* 2 EXISTS\r\n');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(received(), '* 1 FETCH (FLAGS ())\r\n', 'a later place filled first still waits for the earlier one');
  fill('* 3 EXISTS\r\n* 1 RECENT\r\n');
  fill('* ignored\r\n');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(received(), '* 1 FETCH (FLAGS ())\r\n* 3 EXISTS\r\n* 1 RECENT\r\na1 OK NOOP completed\r\n* 2 EXISTS\r\nb1 OK done\r\n');
  io.write('c1 OK direct again\r\n');
  await new Promise((r) => setTimeout(r, 50));
  t.ok(received().endsWith('b1 OK done\r\nc1 OK direct again\r\n'), 'with nothing reserved, writes go straight out');
});

t.test('a close while a place is reserved ends the connection once it is filled', async (t) => {
  const { io, received, ended } = await pair(t);
  const fill = io.reserve();
  io.write('* BYE closing\r\n');
  io.close();
  await new Promise((r) => setTimeout(r, 50));
  t.equal(received(), '', 'not ended before the reserved place is filled');
  fill('* 4 EXISTS\r\n');
  await ended;
  t.equal(received(), '* 4 EXISTS\r\n* BYE closing\r\n');
});
