// End to end: every MIME fixture APPENDed over IMAP comes back from FETCH with the golden
// ENVELOPE and BODYSTRUCTURE (parsed once, in the pool, at APPEND time), and sections,
// BINARY and BODY[] bytes are exact.

import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';
import { parseMessage, sectionBytes } from '../../src/mime/index.js';
import type { Section } from '../../src/protocol/fetch-item.js';

const dir = fileURLToPath(new URL('../fixtures/mime/', import.meta.url));
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.eml'))
  .sort();

const srv = await startTestServer({ users: { mime: 'secret' } });
t.teardown(() => srv.close());
const c = await WireClient.connect(srv.port());
t.teardown(() => c.close());
await c.readLine();
await c.command('l', 'LOGIN mime secret');

/** The whole reply of a command as one string, literals included (lines rejoined with CRLF). */
async function reply(tag: string, command: string | Buffer): Promise<string> {
  c.write(command);
  const r = await c.readTagged(tag);
  return [...r.untagged, r.tagged].join('\r\n');
}

const HEADER_SECTIONS: Array<[string, Section]> = [
  ['HEADER', { part: [], text: { kind: 'HEADER' } }],
  ['HEADER.FIELDS (SUBJECT FROM X-ABSENT)', { part: [], text: { kind: 'HEADER.FIELDS', fields: ['SUBJECT', 'FROM', 'X-ABSENT'] } }],
  ['HEADER.FIELDS.NOT (SUBJECT RECEIVED)', { part: [], text: { kind: 'HEADER.FIELDS.NOT', fields: ['SUBJECT', 'RECEIVED'] } }],
];

t.test('ENVELOPE and BODYSTRUCTURE of every fixture match the golden files', async (t) => {
  let uid = 0;
  for (const name of fixtures) {
    const raw = readFileSync(join(dir, name));
    const base = name.replace(/\.eml$/, '');
    const append = await reply('a', Buffer.concat([Buffer.from(`a APPEND INBOX {${raw.length}+}\r\n`), raw, Buffer.from('\r\n')]));
    if (raw.length === 0) {
      // A zero-byte message is refused, as Dovecot does: it is no RFC 5322 message at all.
      t.match(append, /a NO /, `${name} refused`);
      continue;
    }
    t.match(append, /a OK \[APPENDUID \d+ \d+\]/, `${name} appended`);
    uid++;
    if (uid === 1) await c.command('s', 'SELECT INBOX');
    else await c.command('n', 'NOOP');
    // Compared as bytes: the wire is read as latin1, so the golden files are too.
    const envelope = readFileSync(join(dir, `${base}.envelope.txt`), 'latin1').trimEnd();
    const structure = readFileSync(join(dir, `${base}.bodystructure.txt`), 'latin1').trimEnd();
    const f = await reply('f', `f UID FETCH ${uid} (ENVELOPE BODYSTRUCTURE)\r\n`);
    t.ok(f.includes(`ENVELOPE ${envelope}`), `${name}: ENVELOPE`);
    t.ok(f.includes(`BODYSTRUCTURE ${structure}`), `${name}: BODYSTRUCTURE`);
    const whole = await reply('w', `w UID FETCH ${uid} (BODY.PEEK[])\r\n`);
    t.ok(whole.includes(`BODY[] {${raw.length}}\r\n${raw.toString('latin1')}`), `${name}: BODY[] is the stored bytes`);
    // Header sections come from the header block stored apart from the body: byte for byte
    // what the same section of the whole message is.
    const index = parseMessage(raw);
    for (const [wire, section] of HEADER_SECTIONS) {
      const expected = sectionBytes(index, raw, section)!;
      const h = await reply('h', `h UID FETCH ${uid} (BODY.PEEK[${wire}])\r\n`);
      t.ok(h.includes(`BODY[${wire}] {${expected.length}}\r\n${expected.toString('latin1')})`), `${name}: BODY[${wire}]`);
    }
  }
});

t.test('sections of a multipart message', async (t) => {
  const raw = Buffer.from(
    'From: a@example.org\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n' +
      'preamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nfirst part\r\n' +
      '--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC/w==\r\n--b1--\r\n',
  );
  const appended = await reply('a', Buffer.concat([Buffer.from(`a APPEND INBOX {${raw.length}+}\r\n`), raw, Buffer.from('\r\n')]));
  await c.command('n', 'NOOP');
  const uid = Number(/APPENDUID \d+ (\d+)/.exec(appended)?.[1]);
  t.ok((await reply('f', `f UID FETCH ${uid} (BODY.PEEK[1])\r\n`)).includes('BODY[1] {10}\r\nfirst part)'));
  t.ok(
    (await reply('f', `f UID FETCH ${uid} (BODY.PEEK[1.MIME])\r\n`)).includes(
      'BODY[1.MIME] {43}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n)',
    ),
  );
  t.ok((await reply('f', `f UID FETCH ${uid} (BODY.PEEK[2])\r\n`)).includes('BODY[2] {8}\r\nAAEC/w==)'));
  t.ok((await reply('f', `f UID FETCH ${uid} (BINARY.SIZE[2])\r\n`)).includes('BINARY.SIZE[2] 4'));
  const binary = await reply('f', `f UID FETCH ${uid} (BINARY.PEEK[2])\r\n`);
  t.ok(binary.includes('BINARY[2] ~{4}\r\n\u0000\u0001\u0002\u00ff)'), 'decoded bytes as literal8 (they contain NUL)');
  t.ok((await reply('f', `f UID FETCH ${uid} (BODY.PEEK[3])\r\n`)).includes('BODY[3] {0}\r\n)'), 'a missing part is empty');
  t.ok(
    (await reply('f', `f UID FETCH ${uid} (BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n`)).includes(
      'BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: parts\r\n\r\n)',
    ),
  );
});
