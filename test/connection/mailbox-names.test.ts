// Mailbox names on the wire (RFC 3501 §5.1.3): a name that is not valid modified UTF-7 is a
// well-formed argument, so it never counts toward the limit of BADs that ends a session; and
// LIST only ever writes names that are valid modified UTF-7.

import t from 'tap';
import { startTestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';
import { MAX_BAD_COMMANDS } from '../../src/server/limits.js';
import { decodeMailboxName } from '../../src/protocol/utf7.js';

const srv = await startTestServer({ users: { names: 'secret' } });
t.teardown(() => srv.close());

t.test('undecodable names, more of them than the BAD limit, keep the session open', async (t) => {
  const c = await WireClient.login(srv.port(), 'names', 'secret');
  t.teardown(() => c.close());
  const commands = ['LIST "" &Jjo', 'LIST a&b *', 'LSUB "" "a&b*"', 'STATUS &Jjo (MESSAGES)', 'SELECT a&b', 'CREATE &Jjo'];
  const rounds = Math.ceil((MAX_BAD_COMMANDS + 1) / commands.length);
  for (let i = 0; i < rounds; i++) {
    for (const [j, command] of commands.entries()) {
      const r = await c.command(`x${i}.${j}`, command);
      t.notMatch(r.tagged, / BAD /, command);
      t.same(r.untagged, [], `${command}: no untagged lines (no BYE)`);
    }
  }
  t.equal((await c.command('n', 'NOOP')).tagged, 'n OK NOOP completed', 'still connected');
});

t.test('LIST writes only valid modified UTF-7 names', async (t) => {
  const c = await WireClient.login(srv.port(), 'names', 'secret');
  t.teardown(() => c.close());
  const names = ['A&-B', '&-', 'Entw&APw-rfe', '&2D3eAA-', '&Jjo-/x&AOk-', '"quote\\"d"', 'sp ace'];
  for (const name of names) {
    const r = await c.command('c', `CREATE ${name.startsWith('"') ? name : `"${name}"`}`);
    t.match(r.tagged, /^c OK \[MAILBOXID \(F[0-9a-f]+\)\] CREATE completed$/, name);
  }
  const r = await c.command('l', 'LIST "" *');
  t.equal(r.tagged, 'l OK LIST completed');
  const listed = r.untagged.map((line) => {
    const m = /^\* LIST \([^)]*\) "\/" (.*)$/.exec(line);
    t.ok(m, `a LIST line: ${line}`);
    const wire = m?.[1] ?? '';
    return wire.startsWith('"') ? wire.slice(1, -1).replace(/\\(.)/g, '$1') : wire;
  });
  for (const wire of listed) t.not(decodeMailboxName(wire), null, `${wire} is valid modified UTF-7`);
  const decoded = listed.map((w) => decodeMailboxName(w));
  for (const name of ['A&B', '&', 'Entwürfe', '😀', '☺', '☺/xé', 'quote"d', 'sp ace']) t.ok(decoded.includes(name), `${name} listed`);
});
