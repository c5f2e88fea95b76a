// Bytes sent to another thread carry only themselves, never the rest of the buffer they were read into.

import t from 'tap';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { clonable } from '../src/clonable.js';

t.test('a view into a larger buffer is copied to a buffer of its exact size', async (t) => {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  chunk.write('Subject: hi\r\n\r\nbody', 1000);
  const view = chunk.subarray(1000, 1000 + 19);
  const out = clonable(view);
  t.not(out.buffer, view.buffer);
  t.equal(out.buffer.byteLength, 19);
  t.equal(Buffer.from(out).toString(), 'Subject: hi\r\n\r\nbody');
  // What the other thread receives is those 19 bytes, not the 64 KB chunk.
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(out);
  const got = receiveMessageOnPort(port2)!.message as Uint8Array;
  t.equal(got.buffer.byteLength, 19);
  port1.close();
});

t.test('bytes that own their whole buffer go as they are', async (t) => {
  const own = new Uint8Array(3 * 1024 * 1024);
  t.equal(clonable(own), own);
  const concat = Buffer.concat([Buffer.alloc(5000), Buffer.alloc(5000)]);
  t.equal(clonable(concat), concat, 'Buffer.concat of more than half the pool size owns its memory');
});
