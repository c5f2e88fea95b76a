// The command registry is the one list of commands: every command the parser knows has an
// entry, every entry is run by a handler or by a transition of the connection machine (never
// by neither, never by both), and every capability a command brings is advertised.

import t from 'tap';
import { COMMANDS, commandCapabilities, expungeAllowed, hasUidForm, isCommandName } from '../../src/protocol/commands.js';
import { parseCommand, ParseError } from '../../src/protocol/parse/index.js';
import { CAPABILITY_ORDER, capabilities } from '../../src/server/capabilities.js';
import { handlerOf } from '../../actors/connection/commands/index.js';
import { connectionMachine } from '../../actors/connection/machine.js';

const names = Object.keys(COMMANDS) as Array<keyof typeof COMMANDS>;

function parseError(line: string): string | null {
  try {
    parseCommand({ lines: [line], literals: [] });
    return null;
  } catch (err) {
    if (err instanceof ParseError) return err.text;
    throw err;
  }
}

t.test('the parser knows exactly the registry’s commands', async (t) => {
  for (const name of names) t.not(parseError(`t ${name}`), 'Unknown command', `${name} is parsed`);
  t.equal(parseError('t XYZZY'), 'Unknown command');
  t.notOk(isCommandName('XYZZY'));
  for (const name of names) {
    const uid = parseError(`t UID ${name}`);
    if (COMMANDS[name].uid) t.not(uid, 'Unknown command', `UID ${name} is parsed`);
    else t.equal(uid, 'Unknown command', `UID ${name} is not a command`);
  }
  t.ok(hasUidForm('EXPUNGE'));
});

t.test('each command is run by a handler or by the machine, never both or neither', async (t) => {
  const machine = JSON.stringify(connectionMachine.config);
  for (const name of names) {
    const byMachine = machine.includes(`"name":"${name}"`);
    if (COMMANDS[name].runs === 'handler') {
      t.type(handlerOf(name), 'function', `${name} has a handler`);
      t.notOk(byMachine, `${name} is not also a transition`);
    } else {
      t.equal(handlerOf(name), null, `${name} has no handler`);
      t.ok(byMachine, `${name} is a transition of the machine`);
    }
  }
});

t.test('every capability a command brings is advertised, in the listed order', async (t) => {
  for (const cap of commandCapabilities(true)) t.ok(CAPABILITY_ORDER.includes(cap), `${cap} has its place in the list`);
  const after = capabilities({ authenticated: true, secure: false, tlsAvailable: false, insecureAuth: true, saslLogin: false });
  t.same(after, [
    'IMAP4rev1',
    'LITERAL+',
    'ID',
    'ENABLE',
    'UIDPLUS',
    'MOVE',
    'IDLE',
    'UNSELECT',
    'CHILDREN',
    'SPECIAL-USE',
    'NAMESPACE',
    'BINARY',
    'ESEARCH',
    'CONDSTORE',
    'QRESYNC',
    'OBJECTID',
    'SAVEDATE',
  ]);
  const before = capabilities({ authenticated: false, secure: false, tlsAvailable: true, insecureAuth: false, saslLogin: false });
  t.same(before, ['IMAP4rev1', 'LITERAL+', 'ID', 'ENABLE', 'STARTTLS', 'LOGINDISABLED']);
});

t.test('EXPUNGE is held back during FETCH, STORE and SEARCH but not their UID forms (RFC 3501 §7.4.1)', async (t) => {
  for (const name of names) {
    const held = name === 'FETCH' || name === 'STORE' || name === 'SEARCH';
    t.equal(expungeAllowed(name, false), !held, name);
    t.equal(expungeAllowed(name, true), true, `UID ${name}`);
  }
});
